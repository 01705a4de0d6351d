"""What Gradio does per session and per event, made cheaper without changing what it reads (playground/ui/serving.py)."""

import asyncio
import concurrent.futures

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


def test_a_queue_loop_waits_for_a_change_instead_of_a_millisecond(monkeypatch):
    from gradio import queueing

    class Queue:  # what the loops read of a queue
        sleep_when_free, progress_update_sleep_when_free, active_jobs = 0.001, 0.01, [None]

    async def scenario():
        queue = Queue()
        loop = serving._WaitingAsyncio(queue, queueing.Queue.start_processing)
        progress = serving._WaitingAsyncio(queue, queueing.Queue.start_progress_updates)
        loop.changed.set()  # a change made before the wait is not missed...
        await asyncio.wait_for(loop.sleep(queue.sleep_when_free), 5)
        waiting = asyncio.ensure_future(loop.sleep(queue.sleep_when_free))
        for _ in range(50):
            await asyncio.sleep(0)  # ...and with none since, it waits: fifty turns of the event loop later...
        assert not waiting.done()
        loop.changed.set()
        await asyncio.wait_for(waiting, 5)  # ...until the next change
        monkeypatch.setattr(serving._WaitingAsyncio, "LONGEST", 0.01)
        await asyncio.wait_for(loop.sleep(queue.sleep_when_free), 5)  # no change at all: it looks again anyway
        assert await loop.sleep(0.002, "other") == "other"  # any other sleep is asyncio's
        assert loop.get_running_loop() is asyncio.get_running_loop()
        queue.active_jobs = [["an event"]]
        await asyncio.wait_for(progress.sleep(queue.progress_update_sleep_when_free), 5)  # an event runs: it looks
        assert not progress.changed.is_set()
        queue.active_jobs = [None]
        monkeypatch.setattr(serving._WaitingAsyncio, "LONGEST", 60)
        waiting = asyncio.ensure_future(progress.sleep(queue.progress_update_sleep_when_free))
        for _ in range(50):
            await asyncio.sleep(0)
        assert not waiting.done()  # none runs: it waits for a change
        progress.changed.set()
        await asyncio.wait_for(waiting, 5)

    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # a loop of its own: the browser tests may hold one here
        pool.submit(asyncio.run, scenario()).result(timeout=120)


def launched(demo) -> str:
    from conftest import _free_port
    demo.queue(default_concurrency_limit=1).launch(server_name="127.0.0.1", server_port=_free_port(),
                                                   prevent_thread_lock=True, quiet=True)
    return demo.local_url


def test_a_served_queue_answers_without_polling(demo):
    import threading
    import time

    from gradio_client import Client

    serving.install()
    release = threading.Event()
    with gr.Blocks() as app:
        text = gr.Textbox()
        text.submit(lambda s: s.upper(), text, text, api_name="upper")
        text.change(lambda s: release.wait(60) and s, text, text, api_name="held")
    client = Client(launched(app), verbose=False)
    try:
        loop = app._queue.waiting[0]
        assert not loop.progress and app._queue.waiting[1].progress
        wakes = []
        sleep = loop.sleep
        loop.sleep = lambda *a: (wakes.append(time.perf_counter()), sleep(*a))[1]
        assert [client.predict(w, api_name="/upper") for w in ("a", "bc", "été")] == ["A", "BC", "ÉTÉ"]
        # An idle queue, and then one whose only worker is held with an event waiting behind it: Gradio's
        # loop looks 1,000 times a second in both; this one when something changes, else every 0.1 s.
        for held in (False, True):
            if held:
                first, second = client.submit("x", api_name="/held"), client.submit("y", api_name="/held")
                while len(app._queue) == 0:  # the second waits in the queue while the first is held
                    time.sleep(0.01)
            wakes.clear()
            start = time.perf_counter()
            time.sleep(0.5)  # an observation window: a rate is counted over it, nothing waits on it
            window = time.perf_counter() - start
            assert len(wakes) <= 2 + window / serving._WaitingAsyncio.LONGEST * 2, (held, len(wakes), window)
        release.set()
        assert first.result(timeout=60) == "x" and second.result(timeout=60) == "y"  # the held ones end
        assert client.predict("ok", api_name="/upper") == "OK"
    finally:
        release.set()
        app.close()


def test_the_busiest_routes_come_first_and_every_path_goes_where_it_went(demo):
    from gradio.routes import App
    from starlette.routing import Match

    serving.uninstall()
    before = App.create_app(demo)
    serving.install()
    after = App.create_app(demo)

    def included(app):
        return next(r.original_router.routes for r in app.router.routes if hasattr(r, "original_router"))

    assert [(r.path, *r.methods) for r in included(after)[:4]] == list(serving.HOT_ROUTES)
    assert len(included(after)) == len(included(before))

    def goes_to(routes, path, method):
        scope = {"type": "http", "path": path, "root_path": "", "method": method, "headers": []}
        return next(((r.path, r.name) for r in routes if r.matches(scope)[0] == Match.FULL), None)

    asked = [(r.path.replace("{", "x").replace("}", "x").replace(":path", ""), m)
             for r in included(before) for m in r.methods]
    asked += [("/gradio_api/file=/tmp/x.png", "GET"), ("/gradio_api/queue/joined", "POST"), ("/gradio_api/upload", "GET")]
    for path, method in asked:
        assert goes_to(included(after), path, method) == goes_to(included(before), path, method), (path, method)


def test_settled_objects_are_left_out_of_collections(client):
    import gc

    class Made:
        pass

    kept = Made()
    assert serving.settle() > 0
    assert not any(o is kept for o in gc.get_objects())  # frozen: no collection visits it
    assert client.predict(api_name="/health")["serving"]["settled"] > 10_000  # the launched app settled
