"""all-MiniLM-L6-v2 with int8 dense layers (torch dynamic quantization, per channel).

Why: the Rasa server embeds one message per turn, and at batch size 1 the float32 encoder
is bound by reading its ~42 MB of dense weights (bot/nlu/minilm.py: 8-20 ms a message,
about a third of the server's CPU per turn under load, docs/performance.md). With the
dense weights in int8 a message takes a third of that (`python -m bot.benchmarks.minilm`).
The embeddings move a little (cosine 0.95-0.99 to float32), so the classifier is always
trained on embeddings from this same encoder, never mixed with float32 ones.

Dynamic quantization scales the activations per tensor, i.e. over the whole batch: the
embedding of a message would depend on the messages batched with it. So this encoder
embeds every message on its own, in training as at serving time, and the two agree exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.nlu.minilm import MAX_SEQ_LENGTH


def _module(weights: dict[str, np.ndarray], config: dict):
    import torch
    import torch.nn.functional as F
    from torch import nn

    hidden = int(config["hidden_size"])
    heads = int(config["num_attention_heads"])
    eps = float(config["layer_norm_eps"])

    def tensor(name: str) -> torch.Tensor:
        return torch.from_numpy(np.array(weights[name], dtype=np.float32))

    def dense(weight: torch.Tensor, bias: torch.Tensor) -> nn.Linear:
        layer = nn.Linear(weight.shape[1], weight.shape[0])
        layer.weight.data, layer.bias.data = weight, bias
        return layer

    def norm(prefix: str) -> nn.LayerNorm:
        layer = nn.LayerNorm(hidden, eps=eps)
        layer.weight.data, layer.bias.data = tensor(prefix + ".weight"), tensor(prefix + ".bias")
        return layer

    class Layer(nn.Module):
        def __init__(self, i: int) -> None:
            super().__init__()
            p, a = f"encoder.layer.{i}.", f"encoder.layer.{i}.attention."
            names = ("query", "key", "value")
            self.qkv = dense(
                torch.cat([tensor(a + f"self.{n}.weight") for n in names]),
                torch.cat([tensor(a + f"self.{n}.bias") for n in names]),
            )
            self.out = dense(tensor(a + "output.dense.weight"), tensor(a + "output.dense.bias"))
            self.ln1 = norm(a + "output.LayerNorm")
            self.ff1 = dense(
                tensor(p + "intermediate.dense.weight"), tensor(p + "intermediate.dense.bias")
            )
            self.ff2 = dense(tensor(p + "output.dense.weight"), tensor(p + "output.dense.bias"))
            self.ln2 = norm(p + "output.LayerNorm")

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            b, t, _ = x.shape
            q, k, v = self.qkv(x).view(b, t, 3, heads, hidden // heads).permute(2, 0, 3, 1, 4)
            ctx = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(b, t, hidden)
            x = self.ln1(self.out(ctx) + x)
            return self.ln2(self.ff2(F.gelu(self.ff1(x))) + x)

    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.word = tensor("embeddings.word_embeddings.weight")
            self.position = tensor("embeddings.position_embeddings.weight")
            self.token_type = tensor("embeddings.token_type_embeddings.weight")
            self.ln = norm("embeddings.LayerNorm")
            self.layers = nn.ModuleList(
                [Layer(i) for i in range(int(config["num_hidden_layers"]))]
            )

        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            x = self.word[ids] + self.position[: ids.shape[1]][None] + self.token_type[0]
            x = self.ln(x)
            for layer in self.layers:
                x = layer(x)
            return F.normalize(x.mean(1), dim=-1)  # one message: no padding to mask

    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    return quantize_dynamic(
        Encoder().eval(), {nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8
    )


class Int8MiniLMEncoder:
    """Same interface as MiniLMEncoder: encode(texts) -> (n, 384) unit vectors."""

    def __init__(self, weights: dict[str, np.ndarray], config: dict, tokenizer) -> None:
        self.tokenizer = tokenizer
        self.dim = int(config["hidden_size"])
        self._module = _module(weights, config)

    def encode(self, texts: Sequence[str], batch_size: int = 1) -> np.ndarray:
        import torch

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        with torch.inference_mode():
            for i, text in enumerate(texts):
                ids = self.tokenizer.encode(text or "").ids[:MAX_SEQ_LENGTH]
                out[i] = self._module(torch.tensor([ids], dtype=torch.long))[0].numpy()
        return out
