"""Running steps: the contexts handed to user code, the step runner (the one boundary around
user code), resources, and the result classes that are views over a run's events."""
