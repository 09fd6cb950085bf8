"""A Rasa component whose trained state is one Python object kept with joblib in the
component's resource (the intent model, the language detector)."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

Stored = TypeVar("Stored", bound="StoredModelComponent")


class StoredModelComponent(GraphComponent):
    """`self._model` is the trained object, or None until trained (and when training had
    nothing to learn: then `process` leaves messages as they are)."""

    MODEL_FILE: ClassVar[str]

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Any | None = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(
        cls: type[Stored],
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Stored:
        return cls(config, model_storage, resource)

    def _store(self, model: Any) -> Resource:
        self._model = model
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(model, directory / self.MODEL_FILE)
        return self._resource

    @classmethod
    def load(
        cls: type[Stored],
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> Stored:
        model = None
        try:
            with model_storage.read_from(resource) as directory:
                path = directory / cls.MODEL_FILE
                if path.exists():
                    model = joblib.load(path)
        except ValueError:
            pass  # nothing was persisted: trained without anything to learn
        return cls(config, model_storage, resource, None if model is None else cls.loaded(model))

    @classmethod
    def loaded(cls, model: Any) -> Any:
        """The trained object as the component uses it, once read (subclasses may prepare
        caches here rather than on the first message)."""
        return model
