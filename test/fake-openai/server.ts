/**
 * A small fake OpenAI-compatible API on 127.0.0.1, for checking that n8n's AI Agent can use the
 * Kirin node as a tool. It plays one scripted conversation, whatever the prompt:
 *
 *   1. a request whose conversation holds no tool result yet is answered with one call of the tool
 *      whose name matches `toolName`, with `toolArguments` as its arguments (only the keys the
 *      tool's JSON schema lists; a key the schema lacks is recorded in `problems`);
 *   2. a request that carries the tool's result is answered with a final message that quotes the
 *      first video URL (`https://...mp4` or `http://...mp4`) found in that result.
 *
 * It speaks both APIs n8n's OpenAI Chat Model node uses: `POST <base>/chat/completions` and
 * `POST <base>/responses` (the node's "Use Responses API"), each with or without `stream: true`
 * (server-sent events), and `GET <base>/models`. `<base>` is `/v1`. Requests without
 * `Authorization: Bearer <apiKey>` get 401. Every request is kept in `requests`.
 *
 * Example: `const ai = await startFakeOpenAi({ toolArguments: { prompt: 'a fox' } }); ... ai.close()`
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

type Json = Record<string, unknown>;

/** Options of {@link startFakeOpenAi}. */
export interface FakeOpenAiOptions {
	/** Port to listen on; 0 (default) picks a free one. */
	port?: number;
	/** The one valid API key; default `sk-fake-openai`. */
	apiKey?: string;
	/** Which offered tool to call: the first whose name matches; default `/kirin/i`. */
	toolName?: RegExp;
	/** The arguments of the tool call, by the names of the tool's `$fromAI` keys. */
	toolArguments?: Record<string, unknown>;
}

/** One request the fake server received. */
export interface FakeOpenAiRequest {
	method: string;
	path: string;
	/** The parsed JSON body (`{}` when there was none). */
	body: Json;
	/** What the server answered: `tool_call`, `final`, `models` or an HTTP error code. */
	answer: string;
}

/** A tool as the model saw it in a request: its name and the JSON schema of its arguments. */
export interface OfferedTool {
	name: string;
	description: string;
	parameters: Json;
}

/** A running fake OpenAI server. */
export interface FakeOpenAi {
	/** The base URL to put into an OpenAI credential, with `/v1`: `http://127.0.0.1:<port>/v1`. */
	readonly url: string;
	readonly apiKey: string;
	/** Every request, in order. */
	readonly requests: FakeOpenAiRequest[];
	/** The tools offered in the first request that offered any. */
	offeredTools(): OfferedTool[];
	/** The arguments of the tool calls the server made, in order. */
	readonly toolCalls: Array<{ name: string; arguments: Json }>;
	/** Tool results the server received (the text the tool returned), in order. */
	readonly toolResults: string[];
	/** What did not fit the script (missing tool, schema without a key, unexpected input). */
	readonly problems: string[];
	/** Stops the server and drops open connections. */
	close(): Promise<void>;
}

const VIDEO_URL = /https?:\/\/[^\s"'\\)<>]+?\.mp4/;

function toolsOf(body: Json): OfferedTool[] {
	const tools = Array.isArray(body.tools) ? (body.tools as Json[]) : [];
	return tools.map((tool) => {
		// chat/completions: { type: 'function', function: { name, description, parameters } }
		// responses:        { type: 'function', name, description, parameters }
		const fn = (tool.function as Json | undefined) ?? tool;
		return {
			name: String(fn.name ?? ''),
			description: String(fn.description ?? ''),
			parameters: (fn.parameters as Json | undefined) ?? {},
		};
	});
}

function textOf(content: unknown): string {
	if (typeof content === 'string') return content;
	if (Array.isArray(content))
		return content
			.map((part) =>
				typeof part === 'string'
					? part
					: String((part as Json)?.text ?? (part as Json)?.output ?? ''),
			)
			.join('');
	return content === undefined || content === null ? '' : JSON.stringify(content);
}

/** The tool results in a conversation, from either API's message format. */
function toolResultsOf(body: Json): string[] {
	const results: string[] = [];
	for (const message of Array.isArray(body.messages) ? (body.messages as Json[]) : []) {
		if (message.role === 'tool') results.push(textOf(message.content));
	}
	for (const item of Array.isArray(body.input) ? (body.input as Json[]) : []) {
		if (item.type === 'function_call_output') results.push(textOf(item.output));
	}
	return results;
}

async function readBody(req: IncomingMessage): Promise<Json> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	const text = Buffer.concat(chunks).toString('utf8');
	if (!text) return {};
	return JSON.parse(text) as Json;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
	res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function sendEvents(res: ServerResponse, events: Array<{ event?: string; data: unknown }>): void {
	res.writeHead(200, {
		'content-type': 'text/event-stream',
		'cache-control': 'no-cache',
		connection: 'keep-alive',
	});
	for (const { event, data } of events) {
		if (event) res.write(`event: ${event}\n`);
		res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
	}
	res.end();
}

/** What the model "says" next: a tool call or a final text. */
type Turn =
	| { kind: 'tool_call'; callId: string; name: string; arguments: string }
	| { kind: 'final'; text: string };

function chatCompletion(body: Json, turn: Turn, counter: number): Json {
	const message =
		turn.kind === 'tool_call'
			? {
					role: 'assistant',
					content: null,
					tool_calls: [
						{
							id: turn.callId,
							type: 'function',
							function: { name: turn.name, arguments: turn.arguments },
						},
					],
				}
			: { role: 'assistant', content: turn.text };
	return {
		id: `chatcmpl-fake-${counter}`,
		object: 'chat.completion',
		created: Math.floor(Date.now() / 1000),
		model: String(body.model ?? 'fake'),
		choices: [
			{
				index: 0,
				message,
				logprobs: null,
				finish_reason: turn.kind === 'tool_call' ? 'tool_calls' : 'stop',
			},
		],
		usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
	};
}

function chatCompletionChunks(body: Json, turn: Turn, counter: number): Array<{ data: unknown }> {
	const base = {
		id: `chatcmpl-fake-${counter}`,
		object: 'chat.completion.chunk',
		created: Math.floor(Date.now() / 1000),
		model: String(body.model ?? 'fake'),
	};
	const delta =
		turn.kind === 'tool_call'
			? {
					role: 'assistant',
					content: null,
					tool_calls: [
						{
							index: 0,
							id: turn.callId,
							type: 'function',
							function: { name: turn.name, arguments: turn.arguments },
						},
					],
				}
			: { role: 'assistant', content: turn.text };
	return [
		{ data: { ...base, choices: [{ index: 0, delta, finish_reason: null }] } },
		{
			data: {
				...base,
				choices: [
					{ index: 0, delta: {}, finish_reason: turn.kind === 'tool_call' ? 'tool_calls' : 'stop' },
				],
				usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
			},
		},
		{ data: '[DONE]' },
	];
}

function responseOutputItem(turn: Turn, counter: number): Json {
	return turn.kind === 'tool_call'
		? {
				type: 'function_call',
				id: `fc_fake_${counter}`,
				call_id: turn.callId,
				name: turn.name,
				arguments: turn.arguments,
				status: 'completed',
			}
		: {
				type: 'message',
				id: `msg_fake_${counter}`,
				role: 'assistant',
				status: 'completed',
				content: [{ type: 'output_text', text: turn.text, annotations: [] }],
			};
}

function responseObject(body: Json, turn: Turn, counter: number, status: string): Json {
	return {
		id: `resp_fake_${counter}`,
		object: 'response',
		created_at: Math.floor(Date.now() / 1000),
		status,
		model: String(body.model ?? 'fake'),
		output: status === 'completed' ? [responseOutputItem(turn, counter)] : [],
		parallel_tool_calls: true,
		tool_choice: 'auto',
		tools: body.tools ?? [],
		usage:
			status === 'completed'
				? {
						input_tokens: 10,
						output_tokens: 10,
						total_tokens: 20,
						input_tokens_details: { cached_tokens: 0 },
						output_tokens_details: { reasoning_tokens: 0 },
					}
				: null,
	};
}

function responseEvents(
	body: Json,
	turn: Turn,
	counter: number,
): Array<{ event: string; data: unknown }> {
	const item = responseOutputItem(turn, counter);
	const events: Array<{ event: string; data: Json }> = [
		{
			event: 'response.created',
			data: {
				type: 'response.created',
				response: responseObject(body, turn, counter, 'in_progress'),
			},
		},
		{
			event: 'response.output_item.added',
			data: {
				type: 'response.output_item.added',
				output_index: 0,
				item: turn.kind === 'tool_call' ? { ...item, arguments: '' } : { ...item, content: [] },
			},
		},
	];
	if (turn.kind === 'tool_call') {
		events.push({
			event: 'response.function_call_arguments.delta',
			data: {
				type: 'response.function_call_arguments.delta',
				item_id: item.id,
				output_index: 0,
				delta: turn.arguments,
			},
		});
	} else {
		events.push({
			event: 'response.output_text.delta',
			data: {
				type: 'response.output_text.delta',
				item_id: item.id,
				output_index: 0,
				content_index: 0,
				delta: turn.text,
			},
		});
	}
	events.push(
		{
			event: 'response.output_item.done',
			data: { type: 'response.output_item.done', output_index: 0, item },
		},
		{
			event: 'response.completed',
			data: {
				type: 'response.completed',
				response: responseObject(body, turn, counter, 'completed'),
			},
		},
	);
	return events.map((event, index) => ({
		...event,
		data: { ...event.data, sequence_number: index },
	}));
}

/**
 * Starts the fake OpenAI-compatible server on 127.0.0.1.
 *
 * @returns the running server; call `close()` when done
 */
export async function startFakeOpenAi(options: FakeOpenAiOptions = {}): Promise<FakeOpenAi> {
	const apiKey = options.apiKey ?? 'sk-fake-openai';
	const toolName = options.toolName ?? /kirin/i;
	const toolArguments = options.toolArguments ?? {};
	const requests: FakeOpenAiRequest[] = [];
	const toolCalls: Array<{ name: string; arguments: Json }> = [];
	const toolResults: string[] = [];
	const problems: string[] = [];
	let firstTools: OfferedTool[] | undefined;
	let counter = 0;

	const nextTurn = (body: Json): Turn => {
		const results = toolResultsOf(body);
		if (results.length > 0) {
			const last = results[results.length - 1];
			toolResults.push(last);
			const url = VIDEO_URL.exec(last)?.[0];
			return {
				kind: 'final',
				text: url
					? `Your video is ready: ${url}`
					: `The video tool returned no video URL: ${last.slice(0, 300)}`,
			};
		}
		const tools = toolsOf(body);
		const tool = tools.find((candidate) => toolName.test(candidate.name));
		if (!tool) {
			problems.push(`no tool matching ${toolName} among [${tools.map((t) => t.name).join(', ')}]`);
			return { kind: 'final', text: 'I have no video tool.' };
		}
		const properties = ((tool.parameters.properties as Json | undefined) ?? {}) as Json;
		const args: Json = {};
		for (const [key, value] of Object.entries(toolArguments)) {
			if (key in properties) args[key] = value;
			else
				problems.push(
					`tool ${tool.name} has no argument "${key}" (it has: ${Object.keys(properties).join(', ')})`,
				);
		}
		toolCalls.push({ name: tool.name, arguments: args });
		return {
			kind: 'tool_call',
			callId: `call_fake_${toolCalls.length}`,
			name: tool.name,
			arguments: JSON.stringify(args),
		};
	};

	const server = createServer((req, res) => {
		void (async () => {
			const path = new URL(req.url ?? '/', 'http://fake').pathname.replace(/\/+$/, '');
			let body: Json = {};
			try {
				body = await readBody(req);
			} catch {
				requests.push({ method: req.method ?? '', path, body, answer: '400' });
				sendJson(res, 400, { error: { message: 'invalid JSON', type: 'invalid_request_error' } });
				return;
			}
			const record: FakeOpenAiRequest = { method: req.method ?? '', path, body, answer: '' };
			requests.push(record);
			if (req.headers.authorization !== `Bearer ${apiKey}`) {
				record.answer = '401';
				sendJson(res, 401, {
					error: {
						message: 'Incorrect API key provided',
						type: 'invalid_request_error',
						code: 'invalid_api_key',
					},
				});
				return;
			}
			if (req.method === 'GET' && path === '/v1/models') {
				record.answer = 'models';
				sendJson(res, 200, {
					object: 'list',
					data: [{ id: 'gpt-4o-mini', object: 'model', created: 0, owned_by: 'fake' }],
				});
				return;
			}
			const isChat = path === '/v1/chat/completions';
			const isResponses = path === '/v1/responses';
			if (req.method !== 'POST' || (!isChat && !isResponses)) {
				record.answer = '404';
				sendJson(res, 404, { error: { message: `no route ${req.method} ${path}` } });
				return;
			}
			const tools = toolsOf(body);
			if (tools.length > 0 && firstTools === undefined) firstTools = tools;
			const turn = nextTurn(body);
			counter++;
			record.answer = turn.kind;
			if (isChat) {
				if (body.stream === true) sendEvents(res, chatCompletionChunks(body, turn, counter));
				else sendJson(res, 200, chatCompletion(body, turn, counter));
			} else if (body.stream === true) {
				sendEvents(res, responseEvents(body, turn, counter));
			} else {
				sendJson(res, 200, responseObject(body, turn, counter, 'completed'));
			}
		})().catch((error: unknown) => {
			problems.push(`server error: ${String(error)}`);
			if (!res.headersSent) sendJson(res, 500, { error: { message: String(error) } });
		});
	});
	const sockets = new Set<Socket>();
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
	});
	const port = (server.address() as AddressInfo).port;
	return {
		url: `http://127.0.0.1:${port}/v1`,
		apiKey,
		requests,
		offeredTools: () => firstTools ?? [],
		toolCalls,
		toolResults,
		problems,
		close: async () => {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
