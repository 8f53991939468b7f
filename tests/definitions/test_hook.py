"""Hook definitions built by the decorators carry their function's name and docstring."""

from __future__ import annotations

from opbook import event_list_hook, failure_hook, success_hook


@success_hook
def notify(context):
    """Tell someone."""


def test_a_decorated_hook_takes_its_functions_name_and_doc() -> None:
    assert notify.__name__ == "notify"
    assert notify.__doc__ == "Tell someone."
    assert notify.name == "notify"


def test_a_named_hook_keeps_its_functions_name_for_python() -> None:
    @failure_hook(name="alarm")
    def on_failure(context):
        return None

    @event_list_hook
    def every(context, event_list):
        return None

    assert on_failure.name == "alarm"
    assert on_failure.__name__ == "on_failure"
    assert every.__name__ == "every"


def test_the_hook_decorators_have_their_own_names() -> None:
    assert [d.__name__ for d in (success_hook, failure_hook, event_list_hook)] == [
        "success_hook",
        "failure_hook",
        "event_list_hook",
    ]
