// The little of Node's types that index.d.ts and user-script.ts use, for type-checking them where
// @types/node is not installed (Debian's tsc comes without it). Not shipped.
declare module 'node:child_process' {
  export class ChildProcess {
    readonly pid?: number;
    kill(signal?: string): boolean;
  }
}
declare module 'node:events' {
  export class EventEmitter {
    on(event: string | symbol, listener: (...args: any[]) => void): this;
    emit(event: string | symbol, ...args: any[]): boolean;
  }
}
declare namespace NodeJS {
  type Signals = string;
}
declare class Buffer {}
declare const process: { stderr: { write(text: string): boolean } };
