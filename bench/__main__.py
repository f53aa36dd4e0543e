"""``python -m bench all|fanout|issuing|api|memory|history|reductions`` — see bench/README.md."""

import argparse
import resource
import sys
import time

from bench.common import DOC, PLOT, log


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("what", choices=["all", "fanout", "issuing", "api", "memory", "history", "reductions", "serializers", "report"])
    parser.add_argument("--sizes", default="100,500,1000", help="fan-out N values (default 100,500,1000)")
    parser.add_argument("--rounds", type=int, default=10, help="measured issue/lift rounds per N (default 10)")
    parser.add_argument("--client-procs", type=int, default=2, help="client processes (default 2)")
    parser.add_argument("--api-seconds", type=int, default=60, help="locust run time (default 60)")
    parser.add_argument("--no-two", action="store_true", help="skip the two-web-process fan-out layout")
    parser.add_argument("--no-profile", action="store_true", help="skip the py-spy rounds (fan-out) and run (API)")
    parser.add_argument("--history-scale", type=float, default=1.0,
                        help="history: scale the 3 years (150 warnings, 400,000 events, ...) by this factor")
    parser.add_argument("--history-repeat", type=int, default=21, help="history: timed requests per page (default 21)")
    args = parser.parse_args(argv)
    # 1,000 sockets on each side, plus the database's: make sure the children may open them.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 8192:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    started = time.monotonic()
    if args.what == "reductions":
        # Its own section of docs/benchmarks.md, spliced in: the other parts' figures stay as they are.
        from bench import reductions

        result = reductions.run()
        reductions.splice(result)
        log(f"wrote the reductions section of {DOC.relative_to(DOC.parent.parent)} ({time.monotonic() - started:.0f}s)")
        print(reductions.summary_line(result))
        return 0
    if args.what == "serializers":
        # In-process and quick: it prints its figures (and bench/out/serializers.json) and leaves
        # docs/benchmarks.md alone; the figure is written beside foundation/serializers.py.
        from bench import serializers

        serializers.run()
        return 0
    parts = ["issuing", "fanout", "api", "memory", "history"] if args.what == "all" else [args.what]
    for part in parts:
        t0 = time.monotonic()
        if part == "issuing":
            from bench import issuing

            issuing.run()
        elif part == "fanout":
            from bench import fanout

            fanout.run(
                sizes=tuple(int(x) for x in args.sizes.split(",")),
                rounds=args.rounds,
                client_procs=args.client_procs,
                two=not args.no_two,
                profile=not args.no_profile,
            )
        elif part == "api":
            from bench import api

            api.run(seconds=args.api_seconds, profile=not args.no_profile)
        elif part == "memory":
            from bench import memory

            memory.run(client_procs=args.client_procs)
        elif part == "history":
            from bench import history

            scale = args.history_scale
            sizes = {k: max(2, round(v * scale)) for k, v in history.FULL.items() if k != "years"}
            history.run(sizes=sizes, repeat=args.history_repeat)
        if part != "report":
            log(f"{part} done in {time.monotonic() - t0:.0f}s")
    from bench import report
    from bench.common import load_result, save_result

    if args.what != "report":
        runs = (load_result("runs") or {}) | {part: sys.argv[1:] if argv is None else list(argv) for part in parts}
        save_result("runs", runs)
    if args.what == "history":
        # Only this part's section changes: the others' figures stay as the last full run wrote them.
        from bench import history

        history.write_section()
        log(f"wrote the history section of {DOC.relative_to(DOC.parent.parent)}")
        print(history.summary_line(load_result("history")))
        return 0
    report.write()
    log(
        f"wrote {DOC.relative_to(DOC.parent.parent)} and {PLOT.relative_to(PLOT.parent.parent)} "
        f"({time.monotonic() - started:.0f}s in all)"
    )
    for line in report.summary_lines():
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
