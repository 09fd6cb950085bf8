"""Contrastive (SetFit-style) fine-tuning of all-MiniLM-L6-v2 on the intent examples.

Pairs of training examples are drawn at random: two examples of the same intent (target
cosine 1) or of two different intents (target 0), and the encoder is trained for a fixed
number of pair steps with the cosine-similarity MSE loss SetFit uses, with torch, at
training time. The tuned weights come back as numpy arrays under the safetensors names and
are stored with the model; either encoder serves them (bot/nlu/minilm.py in numpy,
bot/nlu/minilm_int8.py with int8 dense layers in torch).

Why (bot/evaluation/README.md, round 4): the embedding is what carries meaning to
phrasings the training data never saw; pulling each intent's examples together and the
intents apart. The step count was chosen by cross-validation on data/nlu
(bot/evaluation/cv_threshold.py --finetune-steps), never on an evaluation set.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MAX_TOKENS = 64  # training only: shop messages are short; longer ones are truncated


@dataclass(frozen=True)
class FinetuneConfig:
    steps: int = 60
    pairs_per_step: int = 16
    learning_rate: float = 6e-5
    # a safety cap on a very slow machine, far above the ~20 s the steps take on 2 cores
    max_seconds: float = 300.0
    seed: int = 13
    # label whose examples are never paired as "same" (a catch-all, not one meaning)
    catch_all_label: str | None = "out_of_scope"

    @classmethod
    def from_component(cls, settings: dict) -> FinetuneConfig | None:
        """From HybridIntentClassifier's settings (config.yml); None when switched off."""
        steps = int(settings.get("finetune_steps") or 0)
        if steps <= 0:
            return None
        return cls(
            steps=steps,
            pairs_per_step=int(settings.get("finetune_pairs_per_step", cls.pairs_per_step)),
            learning_rate=float(settings.get("finetune_learning_rate", cls.learning_rate)),
            seed=int(settings.get("finetune_seed", cls.seed)),
        )


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


def tune_minilm(
    texts: Sequence[str], labels: Sequence[str], config: FinetuneConfig
) -> dict[str, np.ndarray]:
    """The bundled MiniLM fine-tuned on (texts, labels), floats rounded to float16 (how
    they are stored; the classifier must be trained on embeddings from these weights)."""
    from bot.nlu.minilm import bundled_config, bundled_weights, get_encoder
    from bot.nlu.text_normalise import normalise_for_intent

    tuned = finetune_weights(
        bundled_weights(),
        bundled_config(),
        get_encoder().tokenizer,
        [normalise_for_intent(t).lower() for t in texts],
        labels,
        config=config,
    )
    return {k: v.astype(np.float16) if v.dtype.kind == "f" else v for k, v in tuned.items()}
