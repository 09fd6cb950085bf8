"""NeighbourIndex against the full computation it replaces (every similarity, then each
class's best), on tables shaped like sentence embeddings."""

import numpy as np
import pytest

from bot.nlu.neighbours import NeighbourIndex


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def _table(rng: np.random.Generator, sizes: dict[str, int], dim: int, rank: int = 40):
    """Unit rows around a centre per class, varying along a few shared directions (as
    sentence embeddings do), plus a little noise; labels interleaved."""
    directions = rng.standard_normal((rank, dim))
    rows, labels = [], []
    for name, size in sizes.items():
        centre = rng.standard_normal(dim) * 0.6
        rows.append(centre + rng.standard_normal((size, rank)) @ directions * 0.15
                    + rng.standard_normal((size, dim)) * 0.02)
        labels += [name] * size
    order = rng.permutation(len(labels))
    return _unit(np.vstack(rows))[order], np.array(labels)[order], directions


def _brute_force(table, labels, classes, queries, k):
    sims = queries @ table.T
    out = np.full((len(queries), len(classes), k), -np.inf, dtype=np.float32)
    for c, name in enumerate(classes):
        block = np.sort(sims[:, labels == name], axis=1)[:, ::-1][:, :k]
        out[:, c, : block.shape[1]] = block
    return out


SIZES = {"big": 1200, "order_status": 400, "greet": 300, "start_return": 120,
         "cancel": 49, "thanks": 48, "few": 7, "two": 2}


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(20261207)
    table, labels, directions = _table(rng, SIZES, dim=896)
    centres = table[rng.choice(len(table), 150)]
    queries = _unit(centres + rng.standard_normal((150, 40)) @ directions * 0.1)
    return table, labels, queries


def test_projected_index_finds_each_class_s_closest_examples_exactly(data):
    table, labels, queries = data
    classes = sorted(SIZES)
    index = NeighbourIndex(table, labels, classes)
    assert index.width == 48  # the projection is in use: classes of > 48 rows are ranked
    near = index.nearest(queries)
    expected = _brute_force(table, labels, classes, queries, k=3)
    assert near.shape == (len(queries), len(classes), 48)
    assert np.allclose(near[:, :, :3], expected, atol=1e-5)
    # classes with fewer rows than the width are padded after their exact values
    few = classes.index("two")
    assert np.isneginf(near[:, few, 2:]).all() and np.isfinite(near[:, few, :2]).all()


def test_values_are_exact_similarities_best_first(data):
    table, labels, queries = data
    index = NeighbourIndex(table, labels, sorted(SIZES))
    near = index.nearest(queries[:5])
    finite = near[np.isfinite(near)]
    all_sims = queries[:5] @ table.T
    # every value returned is one of the true similarities, not a projected estimate
    assert all(np.isclose(all_sims, v, atol=1e-6).any() for v in finite[:200])
    assert (np.diff(np.where(np.isfinite(near), near, -2.0), axis=2) <= 1e-7).all()


def test_narrow_table_is_computed_in_full(data):
    table, labels, queries = data
    narrow = _unit(table[:, :128])
    classes = sorted(SIZES)
    index = NeighbourIndex(narrow, labels, classes)
    assert index.width == max(SIZES.values())  # no projection: every row of every class
    q = _unit(queries[:, :128])
    assert np.allclose(index.nearest(q)[:, :, :5], _brute_force(narrow, labels, classes, q, 5),
                       atol=1e-5)


def test_batch_rows_equal_single_rows(data):
    table, labels, queries = data
    index = NeighbourIndex(table, labels, sorted(SIZES))
    together = index.nearest(queries[:4])
    for i in range(4):
        assert np.array_equal(index.nearest(queries[i : i + 1])[0], together[i])


def test_unknown_labels_are_refused(data):
    table, labels, _ = data
    with pytest.raises(ValueError):
        NeighbourIndex(table, labels, ["big", "greet"])
