"""What the two encoders' ONNX graphs share: building a graph in memory from numpy weights,
and the ONNX Runtime session that runs it (bot/nlu/minilm_onnx.py, bot/nlu/use_onnx.py).

Large tensors are not serialised into the graph (that held the weights three or four times
over while the session was built) but handed to ONNX Runtime as external initializers,
which it copies into the session: afterwards the caller may drop its numpy copies.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

OPSET = 17  # LayerNormalization is an ONNX operator from opset 17
# tensors with more elements than this stay outside the serialised graph (see module doc)
INLINE_MAX_ELEMENTS = 4096


class GraphBuilder:
    """Nodes and constants of one graph; `serialise` gives the model and the external
    initializers (name -> contiguous float32 array) to hand to `session`."""

    def __init__(self) -> None:
        import onnx

        self._initializers: list[onnx.TensorProto] = []
        self._nodes: list[onnx.NodeProto] = []
        self.external: dict[str, np.ndarray] = {}
        self._counter = 0

    def const(self, name: str, value: np.ndarray) -> str:
        from onnx import TensorProto, numpy_helper

        value = np.asarray(value)
        if value.size <= INLINE_MAX_ELEMENTS:
            self._initializers.append(numpy_helper.from_array(value, name))
            return name
        value = np.ascontiguousarray(value, dtype=np.float32)
        tensor = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=value.shape,
                             data_location=TensorProto.EXTERNAL)
        tensor.external_data.add(key="location", value="in-memory")
        self._initializers.append(tensor)
        self.external[name] = value
        return name

    def node(self, op: str, inputs: list[str], outputs: int = 1, **attributes: object
             ) -> list[str]:
        from onnx import helper

        self._counter += 1
        names = [f"t{self._counter}_{i}" for i in range(outputs)]
        self._nodes.append(helper.make_node(op, inputs, names, name=f"n{self._counter}",
                                            **attributes))
        return names

    def one(self, op: str, inputs: list[str], **attributes: object) -> str:
        return self.node(op, inputs, **attributes)[0]

    def layer_norm(self, x: str, gamma: np.ndarray, beta: np.ndarray, name: str,
                   epsilon: float) -> str:
        return self.one("LayerNormalization",
                        [x, self.const(f"{name}_g", gamma), self.const(f"{name}_b", beta)],
                        axis=-1, epsilon=float(epsilon))

    def serialise(self, name: str, result: str, inputs: Sequence[Any], outputs: Sequence[Any]
                  ) -> tuple[bytes, dict[str, np.ndarray]]:
        """The model whose graph computes `result` into the single output in `outputs`."""
        from onnx import helper

        self._nodes.append(helper.make_node("Identity", [result], [outputs[0].name],
                                            name="output"))
        graph = helper.make_graph(self._nodes, name, list(inputs), list(outputs),
                                  initializer=self._initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
        model.ir_version = 8  # readable by every onnxruntime that knows opset 17
        return model.SerializeToString(), self.external


def session(graph: bytes, external: dict[str, np.ndarray], options: Any) -> Any:
    """An inference session over `graph` whose external initializers are `external`.
    ONNX Runtime copies them while it builds the session: the caller may drop (or change)
    the arrays afterwards."""
    import onnxruntime as ort

    options.add_external_initializers(
        list(external), [ort.OrtValue.ortvalue_from_numpy(a) for a in external.values()]
    )
    return ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])


def session_options(*, threads: int) -> Any:
    """CPU, `threads` intra-op threads that sleep rather than spin when idle (the Rasa
    server shares its cores), all graph optimisations, no memory arena."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    # no memory arena: it kept ~32 MB more per Rasa process, at no gain in speed (a single
    # message's activations are a few hundred kB)
    options.enable_cpu_mem_arena = False
    options.log_severity_level = 3  # errors only
    return options
