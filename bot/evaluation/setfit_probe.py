"""Round-3 probe (not shipped): short contrastive (SetFit-style) fine-tuning of
all-MiniLM-L6-v2 with torch, then the shipped HybridIntentModel on the tuned embeddings.

    # needs torch 2.13.0 CPU + sympy 1.14.0 + mpmath 1.3.0 in the Rasa env (not pinned:
    # the probe did not beat the shipped pipeline, see bot/evaluation/README.md)
    .venv/rasa/bin/python -m bot.evaluation.setfit_probe hint3|bitext STEPS [--lr 2e-5]

Outside Rasa (same model code, lemmas from the same spaCy pipeline); prints the
threshold sweep. STEPS=0 is the shipped embedding (the reference row).

Pairs of training examples are drawn at random: two examples of the same intent
(target cosine 1) or of two different intents (target 0), and the encoder is trained
for a fixed number of pair steps with the cosine-similarity MSE loss SetFit uses.
The budget is a general rule (a step count and a wall-clock cap), not tuned on any
evaluation set. The tuned weights are handed back as numpy arrays under the
safetensors names, so inference stays in the numpy encoder (bot/nlu/minilm.py).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.evaluation.eval import MAPPED_INTENTS

MAX_TOKENS = 64  # training only: shop messages are short; longer ones are truncated


@dataclass(frozen=True)
class FinetuneConfig:
    steps: int = 200
    pairs_per_step: int = 16
    learning_rate: float = 2e-5
    max_seconds: float = 75.0
    seed: int = 13
    # label whose examples are never paired as "same" (a catch-all, not one meaning)
    catch_all_label: str | None = "out_of_scope"


def _build_module(weights: dict[str, np.ndarray], config: dict):
    import torch
    from torch import nn

    hidden = int(config["hidden_size"])
    heads = int(config["num_attention_heads"])
    eps = float(config["layer_norm_eps"])
    layers = int(config["num_hidden_layers"])

    class MiniLM(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.params = nn.ParameterDict(
                {
                    k.replace(".", "__"): nn.Parameter(
                        torch.from_numpy(np.array(v, dtype=np.float32))
                    )
                    for k, v in weights.items()
                    if v.dtype.kind == "f"
                }
            )

        def p(self, name: str):
            return self.params[name.replace(".", "__")]

        def forward(self, ids, mask):
            import torch.nn.functional as F

            batch, seq = ids.shape
            x = (
                self.p("embeddings.word_embeddings.weight")[ids]
                + self.p("embeddings.position_embeddings.weight")[:seq][None]
                + self.p("embeddings.token_type_embeddings.weight")[0]
            )
            x = F.layer_norm(
                x,
                (hidden,),
                self.p("embeddings.LayerNorm.weight"),
                self.p("embeddings.LayerNorm.bias"),
                eps,
            )
            hd = hidden // heads
            bias = (1.0 - mask[:, None, None, :]) * -1e9
            for i in range(layers):
                pre = f"encoder.layer.{i}."
                att = pre + "attention."

                def lin(t, name):
                    return F.linear(t, self.p(name + ".weight"), self.p(name + ".bias"))

                q = lin(x, att + "self.query").view(batch, seq, heads, hd).transpose(1, 2)
                k = lin(x, att + "self.key").view(batch, seq, heads, hd).transpose(1, 2)
                v = lin(x, att + "self.value").view(batch, seq, heads, hd).transpose(1, 2)
                scores = q @ k.transpose(-1, -2) / math.sqrt(hd) + bias
                ctx = (scores.softmax(-1) @ v).transpose(1, 2).reshape(batch, seq, hidden)
                x = F.layer_norm(
                    lin(ctx, att + "output.dense") + x,
                    (hidden,),
                    self.p(att + "output.LayerNorm.weight"),
                    self.p(att + "output.LayerNorm.bias"),
                    eps,
                )
                ff = lin(F.gelu(lin(x, pre + "intermediate.dense")), pre + "output.dense")
                x = F.layer_norm(
                    ff + x,
                    (hidden,),
                    self.p(pre + "output.LayerNorm.weight"),
                    self.p(pre + "output.LayerNorm.bias"),
                    eps,
                )
            pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1e-9)
            return F.normalize(pooled, dim=-1)

    return MiniLM()


def _sample_pairs(
    rng: np.random.Generator,
    by_label: dict[str, np.ndarray],
    pairable: Sequence[str],
    labels: Sequence[str],
    n: int,
):
    """n pairs: half same-intent (target 1), half different intents (target 0)."""
    a, b, y = [], [], []
    for j in range(n):
        if j % 2 == 0:
            lab = pairable[rng.integers(len(pairable))]
            i1, i2 = rng.choice(by_label[lab], size=2, replace=len(by_label[lab]) < 2)
            a.append(i1)
            b.append(i2)
            y.append(1.0)
        else:
            l1, l2 = rng.choice(len(labels), size=2, replace=False)
            pool1, pool2 = by_label[labels[l1]], by_label[labels[l2]]
            a.append(pool1[rng.integers(len(pool1))])
            b.append(pool2[rng.integers(len(pool2))])
            y.append(0.0)
    return a, b, y


def finetune_weights(
    weights: dict[str, np.ndarray],
    model_config: dict,
    tokenizer,
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    config: FinetuneConfig = FinetuneConfig(),
) -> dict[str, np.ndarray]:
    """Returns a copy of `weights` after the contrastive fine-tuning."""
    import torch

    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    label_names = sorted(set(labels))
    if len(label_names) < 2:
        return dict(weights)
    by_label = {
        name: np.array([i for i, x in enumerate(labels) if x == name]) for name in label_names
    }
    pairable = [
        name for name in label_names if name != config.catch_all_label and len(by_label[name]) >= 2
    ]
    if not pairable:
        pairable = label_names
    encodings = tokenizer.encode_batch([t or "" for t in texts])
    # keep [CLS] ... and the closing [SEP] of messages longer than MAX_TOKENS
    ids_all = [
        e.ids[: MAX_TOKENS - 1] + [e.ids[-1]] if len(e.ids) > MAX_TOKENS else list(e.ids)
        for e in encodings
    ]

    module = _build_module(weights, model_config)
    module.train()  # no dropout in this forward; train() only for clarity
    opt = torch.optim.AdamW(module.parameters(), lr=config.learning_rate, weight_decay=0.01)
    warmup = max(1, config.steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (config.steps - s) / config.steps)
    )
    started = time.monotonic()
    for _ in range(config.steps):
        if time.monotonic() - started > config.max_seconds:
            break
        a, b, y = _sample_pairs(rng, by_label, pairable, label_names, config.pairs_per_step)
        idx = a + b
        seq = max(len(ids_all[i]) for i in idx)
        ids = torch.zeros((len(idx), seq), dtype=torch.long)
        mask = torch.zeros((len(idx), seq), dtype=torch.float32)
        for r, i in enumerate(idx):
            ids[r, : len(ids_all[i])] = torch.tensor(ids_all[i])
            mask[r, : len(ids_all[i])] = 1.0
        emb = module(ids, mask)
        n = len(a)
        cos = (emb[:n] * emb[n:]).sum(-1)
        loss = torch.nn.functional.mse_loss(cos, torch.tensor(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    out = dict(weights)
    for k, v in module.params.items():
        out[k.replace("__", ".")] = v.detach().numpy().astype(np.float32).copy()
    return out


def _encoder_with(weights: dict[str, np.ndarray]):
    """A numpy MiniLMEncoder over tuned weights (written beside the bundled config and
    tokenizer in a temporary folder; bot/nlu/minilm.py reads a model folder)."""
    import shutil
    import tempfile
    from pathlib import Path

    from safetensors.numpy import save_file

    from bot.nlu.minilm import MiniLMEncoder, bundled_model_dir

    src = bundled_model_dir()
    tmp = Path(tempfile.mkdtemp(prefix="setfit-probe-"))
    for name in ("config.json", "tokenizer.json"):
        shutil.copy(src / name, tmp / name)
    save_file(
        {k: np.ascontiguousarray(v) for k, v in weights.items()}, str(tmp / "model.safetensors")
    )
    return MiniLMEncoder(tmp)


def main(argv: Sequence[str] | None = None) -> int:
    import argparse
    import csv

    from safetensors.numpy import load_file

    from bot.evaluation.common import REPO_ROOT, SHARED_EVAL, load_nlu_examples, set_offline_env
    from bot.nlu.intent_model import HybridConfig, HybridIntentModel
    from bot.nlu.minilm import MiniLMEncoder, bundled_model_dir
    from bot.nlu.spacy_offline import english_pipeline
    from bot.nlu.text_normalise import normalise_for_intent

    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("dataset", choices=["hint3", "bitext"])
    ap.add_argument("steps", type=int)
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--embedding-weight", type=float, default=2.0)
    args = ap.parse_args(argv)
    set_offline_env()
    nlp = english_pipeline()

    def lemmas(texts):
        return [" ".join(t.lemma_ or t.text for t in d) for d in nlp.pipe(texts)]

    if args.dataset == "hint3":
        d = SHARED_EVAL / "hint3-sofmattress"
        tr = list(csv.DictReader(open(d / "sofmattress_train.csv", encoding="utf-8")))
        te = list(csv.DictReader(open(d / "sofmattress_test.csv", encoding="utf-8")))
        x_tr = [r["sentence"] for r in tr if r["label"] != "NO_NODES_DETECTED"]
        y_tr = [r["label"] for r in tr if r["label"] != "NO_NODES_DETECTED"]
        x_te, y_te, flags = [r["sentence"] for r in te], [r["label"] for r in te], None
    else:
        x_tr, y_tr = load_nlu_examples(sorted((REPO_ROOT / "data" / "nlu").glob("*.yml")))
        rows = [
            r
            for r in csv.DictReader(
                open(SHARED_EVAL / "bitext" / "dev_mapped.csv", encoding="utf-8")
            )
            if r["map_flag"] != "ambiguous"
        ]
        x_te, y_te, flags = (
            [r["text"] for r in rows],
            [r["our_intent"] for r in rows],
            [r["map_flag"] for r in rows],
        )

    started = time.monotonic()
    md = bundled_model_dir()
    encoder = MiniLMEncoder(md)
    if args.steps > 0:
        tuned = finetune_weights(
            load_file(str(md / "model.safetensors")),
            json.loads((md / "config.json").read_text()),
            encoder.tokenizer,
            [normalise_for_intent(t).lower() for t in x_tr],
            y_tr,
            config=FinetuneConfig(steps=args.steps, learning_rate=args.lr, max_seconds=1e9),
        )
        encoder = _encoder_with(tuned)
    tune_s = time.monotonic() - started
    e_tr = encoder.encode([normalise_for_intent(t).lower() for t in x_tr])
    e_te = encoder.encode([normalise_for_intent(t).lower() for t in x_te])
    model = HybridIntentModel(HybridConfig(embedding_weight=args.embedding_weight))
    model.fit(x_tr, y_tr, lemmas=lemmas(x_tr), embeddings=e_tr)
    scores = model.predict(x_te, lemmas=lemmas(x_te), embeddings=e_te)
    classes = np.array(model.classes)
    top, conf, gold = classes[scores.argmax(1)], scores.max(1), np.array(y_te)
    print(f"{args.dataset} steps={args.steps} lr={args.lr}: fine-tuning {tune_s:.0f} s")
    for t in (0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.8):
        if args.dataset == "hint3":
            pred = np.where(conf >= t, top, "NO_NODES_DETECTED")
            print(f"  thr {t}: accuracy {np.mean(pred == gold):.3f}")
            continue
        mapped = set(MAPPED_INTENTS)
        pred = np.array(
            [
                p if c >= t and p in mapped else "out_of_scope"
                for p, c in zip(top, conf, strict=True)
            ]
        )
        ins, oos = gold != "out_of_scope", gold == "out_of_scope"
        near = np.array(flags) == "near_miss_oos"
        print(
            f"  thr {t}: in-scope acc {np.mean(pred[ins] == gold[ins]):.3f}"
            f"  OOS recall {np.mean(pred[oos] == 'out_of_scope'):.3f}"
            f"  near-miss recall {np.mean(pred[near] == 'out_of_scope'):.3f}"
        )
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
