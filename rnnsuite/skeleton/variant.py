"""The variant's number: the one constant ``rnnsuite new-variant --variant N`` sets.

Assignment ids (``v7.1``) and model names (``v7-frnn``) are made from it, so
that a copy of this package never collides with another variant's.
"""
NUMBER = 99
TITLE = "The next hour's temperature (a skeleton: replace the task, the data and the networks)"


def assignment_id(number: int) -> str:
    """``v<NUMBER>.<number>``: the id the runner, the graders and the students use."""
    return f"v{NUMBER}.{number}"


def model_name(network: str) -> str:
    """A model factory's name, unique across plugins; a submission provides a factory of this name."""
    return f"v{NUMBER}-{network}"
