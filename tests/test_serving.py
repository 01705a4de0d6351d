"""What Gradio does per session and per event, made cheaper without changing what it reads (playground/ui/serving.py)."""

import gradio as gr
import pytest
from gradio import blocks as gradio_blocks
from gradio.state_holder import SessionState

from playground.ui import serving


@pytest.fixture
def demo():
    with gr.Blocks() as demo:
        text = gr.Textbox("hello", label="Text")
        number = gr.Number(3, label="Number")
        with gr.Row():
            gr.Markdown("**hi**")
            gr.Image(label="Picture")
        state = gr.State({"kept": 1})
        text.submit(lambda t, s: (t.upper(), s), [text, state], [text, state])
    yield demo
    serving.uninstall()


def made(install: bool, demo, change=None) -> tuple[list, list]:
    """A new session of ``demo``, the old way or the lazy way, changed by ``change``; what Gradio reads of it."""
    serving.install() if install else serving.uninstall()
    session = SessionState(demo)
    if change:
        change(session)
    return list(session.components), list(session.config_values)


def test_a_new_session_copies_no_configuration_until_it_is_read(demo, monkeypatch):
    calls = []
    original = gradio_blocks.BlocksConfig.config_for_block

    def counted(*args, **kwargs):
        calls.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(gradio_blocks.BlocksConfig, "config_for_block", staticmethod(counted))
    serving.uninstall()
    SessionState(demo)
    assert len(calls) == len(demo.blocks)  # Gradio's own way: every block, at once
    calls.clear()
    serving.install()
    session = SessionState(demo)
    assert calls == []
    key = next(iter(demo.blocks))
    assert session.config_values[key]["id"] == key and calls == [key]  # one entry, when asked for
    assert len(list(session.components)) == len(demo.blocks) == len(calls)


def test_the_serving_reads_as_gradios_own_fresh_and_changed(demo):
    number = next(k for k, b in demo.blocks.items() if isinstance(b, gr.Number))
    text = next(k for k, b in demo.blocks.items() if isinstance(b, gr.Textbox))
    state = next(k for k, b in demo.blocks.items() if isinstance(b, gr.State))

    def changed(session):
        session[number] = gr.Number(7, label="Changed")  # an update from an event...
        session._update_config(number)  # ...and its configuration made again
        session._update_value_in_config(text, "typed")
        session[state] = {"kept": 2}

    for change in (None, changed):
        gradio, lazy = made(False, demo, change), made(True, demo, change)
        assert lazy == gradio
    components = made(True, demo, changed)[0]
    assert next(c for c in components if c["id"] == number)["props"]["label"] == "Changed"
    assert next(c for c in components if c["id"] == text)["props"]["value"] == "typed"


def test_the_serving_keeps_its_state(demo):
    serving.install()
    session = SessionState(demo)
    state = next(k for k, b in demo.blocks.items() if isinstance(b, gr.State))
    assert session[state] == {"kept": 1}
    session[state]["kept"] = 5
    assert session[state] == {"kept": 5} and SessionState(demo)[state] == {"kept": 1}  # each session its own
    with pytest.raises(KeyError):
        session.config_values[10**9]


def test_an_absent_module_gradio_looks_for_on_each_event_fails_at_once(monkeypatch):
    import importlib.util
    import sys

    if importlib.util.find_spec("matplotlib") is not None:
        pytest.skip("matplotlib is installed here: Gradio's import finds it")  # not in requirements.txt
    monkeypatch.delitem(sys.modules, "matplotlib", raising=False)
    serving.install()
    assert sys.modules["matplotlib"] is None
    with pytest.raises(ImportError):
        import matplotlib  # noqa: F401
    from gradio import utils
    with utils.MatplotlibBackendMananger():  # what Gradio runs around every event
        pass
