"""The fallback-threshold rule of tools/evaluation/cv_threshold.py."""

import re

from tools.evaluation.cv_threshold import choose, noise_messages


def _row(threshold, macro_f1, noise_refused=None):
    row = {"threshold": threshold, "macro_f1": macro_f1}
    if noise_refused is not None:
        row["noise_refused"] = noise_refused
    return row


def test_noise_set_is_fixed_and_has_no_digits_or_short_words():
    noise = noise_messages()
    assert noise == noise_messages() and len(set(noise)) > 250
    assert not any(re.search(r"\d", text) for text in noise)
    words = [w for text in noise for w in text.split() if w.isalpha() and w.isascii()]
    assert words and min(len(w) for w in words) >= 4


def test_lowest_threshold_on_the_plateau_that_refuses_the_noise():
    rows = [
        _row(0.3, 0.913, 0.80),
        _row(0.4, 0.915, 0.90),
        _row(0.5, 0.914, 0.96),
        _row(0.6, 0.916, 0.99),
        _row(0.7, 0.900, 1.00),
    ]
    assert choose(rows, tolerance=0.005) == 0.5
    # a tight tolerance leaves only the best
    assert choose(rows, tolerance=0.0) == 0.6
    # nothing on the plateau refuses enough: the one refusing most
    assert choose([_row(0.3, 0.91, 0.5), _row(0.4, 0.91, 0.7)], tolerance=0.01) == 0.4


def test_without_noise_figures_the_old_rule_lowest_best():
    rows = [_row(0.3, 0.90), _row(0.4, 0.92), _row(0.5, 0.92)]
    assert choose(rows) == 0.4
