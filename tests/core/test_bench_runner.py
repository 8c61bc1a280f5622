"""The benchmark runner's server choice (issue 8, "pick the WSGI server by measurement"): the
command each ``--server`` starts, several servers measured in turn, and flow scenarios (the
mixed cycle) fed each answer. No timings are asserted."""
import pytest

from bench import run
from bench.load import _Requests
from bench.scenarios import Context, Scenario, Step


def test_each_server_serves_the_app_factory_with_the_workers_on_the_loopback_port():
    py = "/venv/bin/python"
    root = str(run.ROOT)
    assert run.server_command("gunicorn-sync", 2, 8001, python=py) == [
        py, "-m", "gunicorn", "-w", "2", "-b", "127.0.0.1:8001", "--chdir", root, "core:create_app()"]
    assert run.server_command("gunicorn-gthread", 2, 8001, threads=4, python=py) == [
        py, "-m", "gunicorn", "-w", "2", "-k", "gthread", "--threads", "4", "-b", "127.0.0.1:8001", "--chdir", root,
        "core:create_app()"]
    assert run.server_command("granian", 3, 8002, threads=2, python=py) == [
        py, "-m", "granian", "--interface", "wsgi", "--workers", "3", "--blocking-threads", "2", "--host", "127.0.0.1",
        "--port", "8002", "--no-access-log", "--working-dir", root, "--factory", "core:create_app"]
    assert run.server_command("waitress", 2, 8003, threads=8, python=py) == [
        py, "-m", "waitress", "--listen", "127.0.0.1:8003", "--threads", "8", "--call", "core:create_app"]
    assert run.server_command("bjoern", 2, 8004, python=py) == [
        py, f"{root}/bench/bjoern_serve.py", "--workers", "2", "--port", "8004", "core:create_app()"]
    assert set(run.SERVERS) == {"gunicorn-sync", "gunicorn-gthread", "granian", "waitress", "bjoern"}
    with pytest.raises(ValueError, match="unknown server 'uwsgi'"):
        run.server_command("uwsgi", 2, 8005)


def test_server_option_takes_several_servers_and_refuses_unknown_ones(monkeypatch, capsys):
    monkeypatch.delenv("AFTERSALES_BENCH_SERVER", raising=False)
    assert run.parse_args([]).servers == ["gunicorn-sync"]
    args = run.parse_args(["--server", "gunicorn-sync, granian", "--rounds", "3", "--threads", "4"])
    assert (args.servers, args.rounds, args.threads) == (["gunicorn-sync", "granian"], 3, 4)
    monkeypatch.setenv("AFTERSALES_BENCH_SERVER", "waitress")
    assert run.parse_args([]).servers == ["waitress"]
    with pytest.raises(SystemExit):
        run.parse_args(["--server", "granian,nginx"])
    assert "unknown nginx" in capsys.readouterr().err


def test_servers_take_turns_and_the_order_flips_every_other_round():
    assert run.server_rounds(["a", "b", "c"], 3) == [(0, "a"), (0, "b"), (0, "c"), (1, "c"), (1, "b"), (1, "a"),
                                                    (2, "a"), (2, "b"), (2, "c")]
    assert run.server_rounds(["a"], 1) == [(0, "a")]


class _Client:
    token = "plain-token"


def test_a_flow_gets_each_answer_and_sends_each_steps_token():
    seen = []

    def flow(ctx, n):
        status, body = yield Step("POST", "/api/v1/rmas", {"n": n}, token="dealer", expect=(201,))
        seen.append((status, body))
        yield Step("GET", f"/api/v1/rmas/{body.decode()}", token="order")

    ctx = Context(credentials={}, sizes={})
    stream = _Requests(ctx, Scenario("mixed", "label", auth=None, flow=flow), 3, _Client())
    assert stream.next(0) == ("POST", "/api/v1/rmas", {"n": 3}, "dealer", (201,))
    stream.answer(201, b"42")
    assert stream.next(1) == ("GET", "/api/v1/rmas/42", None, "order", (200,))
    assert seen == [(201, b"42")]
    plain = _Requests(ctx, Scenario("list", lambda c, i: f"/x?page={i}"), 0, _Client())
    assert plain.next(5) == ("GET", "/x?page=5", None, "plain-token", (200,))


def test_only_picks_scenarios_by_any_of_its_comma_separated_texts():
    assert run.selected("rma page dealer list", "")
    assert run.selected("rma page dealer list", "page")
    assert run.selected("rma agent list", "rma page,agent")
    assert not run.selected("rma detail", "rma page,agent")
    assert run.selected("logistics queue api", "spares,logistics queue")
