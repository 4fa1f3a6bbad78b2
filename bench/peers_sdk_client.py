"""The official openai Python SDK as a peer in bench/peers.py: run by the Python that has `openai`.

argv[1] is a JSON object: base_url, paced_model, flood_model, flood_deltas, repeats. The script
prints one JSON line when the client is constructed ({"ready": seconds for import + construction})
and one JSON line of figures at the end. Every stream is consumed with
`client.chat.completions.create(stream=True)` and checked: delta i must carry "i,".
"""

import json
import resource
import sys
import time

perf = time.perf_counter
t_start = perf()
import openai  # noqa: E402 - timed on purpose

args = json.loads(sys.argv[1])
client = openai.OpenAI(base_url=args["base_url"], api_key="bench-key", max_retries=0, timeout=120.0)
print(json.dumps({"ready": perf() - t_start, "version": openai.__version__}), flush=True)

MESSAGES = [{"role": "user", "content": "benchmark"}]


def consume(model: str) -> tuple[float | None, int, bool, float]:
    """(seconds to the first content delta, content deltas, all in order, seconds in total)."""
    t0 = perf()
    first = None
    count = 0
    in_order = True
    stream = client.chat.completions.create(model=model, messages=MESSAGES, stream=True,
                                            stream_options={"include_usage": True})
    for chunk in stream:
        if not chunk.choices:
            continue
        content = chunk.choices[0].delta.content
        if content:
            if first is None:
                first = perf() - t0
            in_order = in_order and content == f"{count},"
            count += 1
    return first, count, in_order, perf() - t0


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


ttfd, paced_count, paced_ok, _ = consume(args["paced_model"])
floods = []
for _ in range(args["repeats"]):
    c0 = cpu()
    _, count, ok, wall = consume(args["flood_model"])
    floods.append({"wall": wall, "cpu": cpu() - c0, "deltas": count, "in_order": ok})
print(json.dumps({"ttfd": ttfd, "paced_deltas": paced_count, "paced_in_order": paced_ok, "floods": floods}),
      flush=True)
