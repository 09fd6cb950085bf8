"""The production profile's counts and port layout (what `python -m bot run` starts)."""

from __future__ import annotations

import itertools

import pytest

from bot.stack import ClusterPorts, Ports, Scale


def test_counts_default_to_two_of_each_and_come_from_the_environment() -> None:
    assert Scale.from_env({}) == Scale(rasa_instances=2, action_servers=2, outbox_workers=2)
    assert Scale.from_env(
        {"RASA_INSTANCES": "3", "ACTION_SERVERS": "1", "OUTBOX_WORKERS": "4"}
    ) == Scale(rasa_instances=3, action_servers=1, outbox_workers=4)


@pytest.mark.parametrize("value", ["0", "-1", "two", "33", "1.5"])
def test_a_bad_count_names_the_setting(value: str) -> None:
    with pytest.raises(SystemExit, match="RASA_INSTANCES"):
        Scale.from_env({"RASA_INSTANCES": value})


def test_the_balancer_takes_the_public_ports_and_instances_the_next_ones() -> None:
    layout = ClusterPorts.next_to(
        Ports(rasa=5005, actions=5055, store=8100, helpdesk=8200),
        Scale(rasa_instances=3, action_servers=2, outbox_workers=2),
    )
    assert (layout.rasa, layout.actions, layout.store) == (5005, 5055, 8100)
    assert layout.rasa_instances == (5006, 5007, 5008)
    assert layout.action_servers == (5056, 5057)
    assert layout.outbox_workers == (8200, 8201)
    assert layout.helpdesk == 8200  # the agent inbox stays where the embedded profile has it


def test_allocated_ports_are_all_different() -> None:
    counter = itertools.count(40000)
    layout = ClusterPorts.allocate(Scale(), lambda: next(counter))
    every = [layout.rasa, layout.actions, layout.store, *layout.rasa_instances,
             *layout.action_servers, *layout.outbox_workers]
    assert len(set(every)) == len(every) == 3 + 2 + 2 + 2
