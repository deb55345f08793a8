"""Exceptions that tf1repro raises on purpose, each carrying what a user needs to act on it."""

from __future__ import annotations


class ParameterError(ValueError):
    """A parameter is outside what tf1repro accepts.

    The message follows one pattern everywhere, so that the command line can show it as is:
    ``The 'batch_size' parameter must be an int in the range [1, inf). Got 0 instead.``
    """

    def __init__(self, name: str, value: object, allowed: str) -> None:
        self.name = name
        self.value = value
        self.allowed = allowed
        super().__init__(f"The {name!r} parameter must be {allowed}. Got {value!r} instead.")


class DivergenceError(ArithmeticError):
    """Training produced an infinite or NaN value; the run stops at that step."""

    def __init__(
        self, tutorial: str, backend: str, step: int, value: float, quantity: str = "loss"
    ) -> None:
        self.tutorial = tutorial
        self.backend = backend
        self.step = step
        self.value = value
        self.quantity = quantity
        super().__init__(
            f"the {tutorial} tutorial ({backend}) diverged at step {step}: {quantity} = {value}; "
            "lower the learning rate"
        )
