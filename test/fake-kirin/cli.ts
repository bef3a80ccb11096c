/**
 * Runs the fake Kirin API in the foreground for the demo and for trying the node in a real n8n:
 *
 *   tsx test/fake-kirin/cli.ts [--port 8787] [--key test-key] [--generation-ms 5000]
 *                              [--host 127.0.0.1] [--video-bytes 65536] [--public-url URL] [--quiet]
 *
 * `--port` falls back to the PORT environment variable, then 8787. Prints the base URL, the API key
 * and how to fill in an n8n "Kirin API" credential, then one line per request and callback (unless
 * `--quiet`). Stops cleanly on SIGINT or SIGTERM. Exits with status 2 on a bad argument and 1 when
 * the port cannot be bound.
 */
import { FAKE_MODEL_IDS, startFakeKirin } from './server';

/** Parsed command line of the CLI (durations in ms, sizes in bytes). */
export interface CliArgs {
	port: number;
	host: string;
	key: string;
	generationMs: number;
	videoBytes?: number;
	publicUrl?: string;
	quiet: boolean;
}

/**
 * Parses `--name value` and `--name=value` arguments. Throws an Error naming the argument when a
 * value is missing or not a non-negative integer, or when an argument is unknown.
 */
export function parseCliArgs(
	argv: string[],
	env: Record<string, string | undefined> = {},
): CliArgs {
	const values = new Map<string, string>();
	let quiet = false;
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		if (arg === '--quiet') {
			quiet = true;
			continue;
		}
		const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
		if (
			!m ||
			!['port', 'host', 'key', 'generation-ms', 'video-bytes', 'public-url'].includes(m[1])
		) {
			throw new Error(`unknown argument ${JSON.stringify(arg)}`);
		}
		const value = m[2] ?? argv[++i];
		if (value === undefined) throw new Error(`--${m[1]} needs a value`);
		values.set(m[1], value);
	}
	const integer = (name: string, text: string | undefined, fallback: number): number => {
		if (text === undefined || text === '') return fallback;
		if (!/^\d+$/.test(text))
			throw new Error(`--${name} must be a non-negative integer, got ${JSON.stringify(text)}`);
		return Number(text);
	};
	return {
		port: integer('port', values.get('port') ?? env.PORT, 8787),
		host: values.get('host') ?? '127.0.0.1',
		key: values.get('key') ?? 'test-key',
		generationMs: integer('generation-ms', values.get('generation-ms'), 5000),
		videoBytes: values.has('video-bytes')
			? integer('video-bytes', values.get('video-bytes'), 0)
			: undefined,
		publicUrl: values.get('public-url'),
		quiet,
	};
}

async function main(): Promise<void> {
	let args: CliArgs;
	try {
		args = parseCliArgs(process.argv.slice(2), process.env);
	} catch (error) {
		console.error(`fake-kirin: ${(error as Error).message}`);
		process.exitCode = 2;
		return;
	}
	const fake = await startFakeKirin({
		port: args.port,
		host: args.host,
		apiKey: args.key,
		generationMs: args.generationMs,
		videoBytes: args.videoBytes,
		publicUrl: args.publicUrl,
		log: args.quiet ? undefined : (line) => console.log(`${new Date().toISOString()} ${line}`),
	});
	console.log(
		[
			`Fake Kirin API listening on ${fake.url}`,
			`API key: ${fake.apiKey}`,
			`Generation time: ${args.generationMs} ms per task`,
			'',
			'Point n8n at it: Credentials > Add credential > "Kirin API"',
			`  Base URL: ${fake.url}`,
			`  API Key:  ${fake.apiKey}`,
			`Models: ${FAKE_MODEL_IDS.join(', ')}`,
			'Prompt magic: [fail:095]..[fail:099] fail, [never] never finish, [videos:N] N videos,',
			"              [size:50MB] video size, [ms:N] this task's generation time.",
			'Stop with Ctrl+C.',
		].join('\n'),
	);
	let stopping = false;
	const stop = (signal: string) => {
		if (stopping) return;
		stopping = true;
		console.log(`\n${signal}: stopping the fake Kirin API`);
		fake.close().then(
			() => process.exit(0),
			() => process.exit(1),
		);
	};
	process.on('SIGINT', () => stop('SIGINT'));
	process.on('SIGTERM', () => stop('SIGTERM'));
}

// Run when executed (tsx, node), not when imported for parseCliArgs.
if (typeof require === 'undefined' || typeof module === 'undefined' || require.main === module) {
	main().catch((error) => {
		console.error(`fake-kirin: ${(error as Error)?.message ?? String(error)}`);
		process.exit(1);
	});
}
