// A minimal Switchboard client for the example scripts: Node's standard library only.
//
// It spawns the daemon ($SWITCHBOARD, default `switchboard` on PATH; the daemon itself reads
// OPENAI_API_KEY and OPENAI_BASE_URL) and speaks JSON-RPC 2.0 over its stdin and stdout, one JSON
// text per line (NDJSON). Requests may overlap: responses are matched by id, and notifications
// by params.request_id.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

export class SwitchboardError extends Error {
  constructor(error) {
    super(`${error.message} (code ${error.code})`);
    this.code = error.code;
    this.data = error.data;
  }
}

export class Switchboard {
  #child;
  #pending = new Map();
  #nextId = 0;

  constructor(binary = process.env.SWITCHBOARD || "switchboard") {
    this.#child = spawn(binary, [], { stdio: ["pipe", "pipe", "inherit"] });
    this.#child.on("error", (error) => this.#failAll(`cannot start ${binary} (${error.message}); set SWITCHBOARD or put it on PATH`));
    this.#child.on("exit", () => this.#failAll("the daemon exited without answering"));
    this.#child.stdin.on("error", () => {}); // a daemon that failed to start: reported by the "error" handler
    createInterface({ input: this.#child.stdout }).on("line", (line) => this.#receive(JSON.parse(line)));
  }

  /** Sends one request; resolves with its result, rejects with a SwitchboardError.
   *  `onNotification(method, params)` gets the notifications (chat.delta, responses.event,
   *  completions.delta, $/progress) it triggers. */
  request(method, params, onNotification = () => {}) {
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, onNotification });
      this.#child.stdin.write(JSON.stringify({ jsonrpc: "2.0", id, method, params }) + "\n");
    });
  }

  /** Ends the daemon's input; it finishes and exits 0. */
  close() {
    if (this.#child.pid === undefined || this.#child.exitCode !== null) return Promise.resolve(this.#child.exitCode);
    return new Promise((resolve) => {
      this.#child.once("exit", (code) => resolve(code));
      this.#child.stdin.end();
    });
  }

  #receive(message) {
    if (message.method) {
      this.#pending.get(message.params?.request_id)?.onNotification(message.method, message.params);
      return;
    }
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    this.#pending.delete(message.id);
    if (message.error) pending.reject(new SwitchboardError(message.error));
    else pending.resolve(message.result);
  }

  #failAll(reason) {
    for (const { reject } of this.#pending.values()) reject(new SwitchboardError({ message: reason, code: null }));
    this.#pending.clear();
  }
}

/** Runs `main(switchboard)`; an error is printed to stderr and the exit status is 1. */
export async function run(main) {
  const switchboard = new Switchboard();
  try {
    await main(switchboard);
  } catch (error) {
    console.error(`error: ${error.message}`);
    process.exitCode = 1;
  } finally {
    await switchboard.close();
  }
}
