/**
 * A small round-robin HTTP proxy on 127.0.0.1, as a load balancer in front of several n8n webhook
 * processes: each request goes to the next target; a target that refuses the connection (stopped,
 * restarting) is skipped for that request. Counts requests per target.
 */
import {
	createServer,
	request,
	type IncomingMessage,
	type Server,
	type ServerResponse,
} from 'http';
import { closeServer, listenOnLoopback } from '../../test/harness/loopback';

/** A round-robin reverse proxy over `targets` (base URLs such as `http://127.0.0.1:5678`). */
export class RoundRobinProxy {
	private server: Server | undefined;
	private next = 0;
	/** Requests answered, by target. */
	readonly served = new Map<string, number>();
	url = '';

	constructor(readonly targets: string[]) {}

	/** Starts listening on a free port. */
	async start(): Promise<this> {
		this.server = createServer((req, res) => void this.forward(req, res));
		this.url = await listenOnLoopback(this.server);
		return this;
	}

	/** Stops listening and drops open connections. */
	async close(): Promise<void> {
		await closeServer(this.server);
	}

	private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		const body = Buffer.concat(chunks);
		for (let tries = 0; tries < this.targets.length; tries++) {
			const target = this.targets[this.next++ % this.targets.length];
			try {
				await this.send(target, req, body, res);
				this.served.set(target, (this.served.get(target) ?? 0) + 1);
				return;
			} catch {
				// Connection refused or reset before an answer: try the next target.
			}
		}
		res.writeHead(502, { 'content-type': 'application/json' }).end('{"error":"no target"}');
	}

	private async send(
		target: string,
		req: IncomingMessage,
		body: Buffer,
		res: ServerResponse,
	): Promise<void> {
		const url = new URL(req.url ?? '/', target);
		await new Promise<void>((resolve, reject) => {
			const upstream = request(
				url,
				{ method: req.method, headers: { ...req.headers, host: url.host } },
				(answer) => {
					res.writeHead(answer.statusCode ?? 502, answer.headers);
					answer.pipe(res);
					answer.on('end', resolve);
					answer.on('error', resolve);
				},
			);
			upstream.on('error', reject);
			upstream.end(body);
		});
	}
}
