// A user's script, as the README shows them: `tsc --strict` must accept it (see types.test.js).
import { Switchboard, SwitchboardError, ConnectionLost } from 'switchboard-client';

async function main(): Promise<void> {
  const sb = new Switchboard({ binary: 'switchboard', stderr: 'pipe' });
  sb.on('stderr', (text: string) => process.stderr.write(text));
  const controller = new AbortController();
  const stream = sb.streamChat({ messages: [{ role: 'user', content: 'Write a haiku' }] }, { signal: controller.signal });
  let text = '';
  for await (const piece of stream) text += piece;
  const result = await stream.result;
  console.log(text, result.usage);
  const models = await sb.request('models.list');
  console.log(models.data.map((m: { id: string }) => m.id));
  const started = await sb.request('chat.complete', { conversation_id: 'new', messages: [{ role: 'user', content: 'Hi' }] });
  const { conversations } = await sb.conversations.list({ limit: 10 });
  console.log(started.conversation_id, conversations.map((c) => `${c.title} (${c.message_count})`));
  try {
    await sb.describeImage('photo.png', { prompt: 'What is in it?' });
  } catch (error) {
    if (error instanceof ConnectionLost) console.log('gone');
    else if (error instanceof SwitchboardError) console.log(error.code, error.partialText ?? '');
  }
  const run = sb.agentRun(
    { messages: [{ role: 'user', content: 'What time is it?' }], approval: 'ask', tools: [{ type: 'function', function: { name: 'read_file' } }] },
    {
      onApprove: async (params, { signal }) => !signal.aborted && params.server === 'time',
      onExecute: (params) => (params.name === 'read_file' ? [{ type: 'text', text: 'contents' }] : { content: 'unknown tool', is_error: true }),
      onToolCall: (call) => console.log(call.name, call.status, call.result ?? ''),
    },
  );
  for await (const piece of run) text += piece;
  console.log((await run.result).turns);
  const listed = await sb.toolsList({ mcpServers: ['time'] });
  console.log(listed.servers.map((server) => `${server.name} ${server.status}`));
  const code: number | null = await sb.close();
  console.log(code);
}

void main();
