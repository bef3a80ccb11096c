/**
 * The Kirin node as a tool of n8n's AI Agent, end to end in the pinned n8n (the one `npm run
 * test:e2e` installs): Manual Trigger -> AI Agent, with n8n's OpenAI Chat Model pointed at the fake
 * OpenAI-compatible server (`test/fake-openai/`) and the Kirin node attached as a tool whose Model
 * and Prompt are filled by the model through `$fromAI`. The fake model answers the agent's first
 * request with a call of the Kirin tool, and the second (which carries the tool's result) with a
 * final answer quoting the video URL it found there. Run with `n8n execute`; checks:
 *   - the agent offered the Kirin tool with `model` and `prompt` arguments, and the model called it
 *     once;
 *   - the fake Kirin server created exactly one task, with the model and prompt of the tool call;
 *   - the agent's final answer carries that task's video URL.
 * Every process it starts is stopped by its pid. Prints "ok"/"FAIL" lines and
 * "agent: N passed, N failed".
 *
 *   npm run test:agent
 */
import { startFakeKirin, type FakeKirin } from '../../test/fake-kirin/server';
import { startFakeOpenAi, type FakeOpenAi } from '../../test/fake-openai/server';
import { check, expect, results } from '../e2e/checks';
import { installN8n, N8nInstance } from '../e2e/n8n';
import { agentWorkflow, AGENT_NODE, TOOL_NODE } from './workflow';

type Json = Record<string, unknown>;

/** What the fake model puts into the tool call. */
const TOOL_ARGUMENTS = {
	prompt: 'A paper boat drifting down a rain gutter, close-up, soft morning light',
	model: 'kirin_v2_5_turbo_t2v',
};

/** The items a node output in the run (`n8n execute --rawOutput`), last run of the node. */
function itemsOf(run: Json, nodeName: string): Json[] {
	const resultData = (run.data as Json | undefined)?.resultData as Json | undefined;
	const runData = (resultData?.runData ?? {}) as Record<
		string,
		Array<{ data?: Record<string, Array<Array<{ json: Json }> | null>> }>
	>;
	const runs = runData[nodeName];
	expect(
		runs?.length,
		`node "${nodeName}" did not run; error: ${JSON.stringify(resultData?.error ?? null).slice(0, 600)}`,
	);
	const data = runs[runs.length - 1].data ?? {};
	const output = data.main ?? data.ai_tool ?? Object.values(data)[0] ?? [];
	return (output[0] ?? []).map((item) => item.json);
}

async function main(): Promise<void> {
	const started = Date.now();
	const install = installN8n();
	console.log(`n8n ${install.version}`);
	const fake: FakeKirin = await startFakeKirin({ generationMs: 1000 });
	const ai: FakeOpenAi = await startFakeOpenAi({ toolArguments: TOOL_ARGUMENTS });
	const n8n = await N8nInstance.create(install);
	try {
		await n8n.import('credentials', [
			{
				id: 'kirinCredential',
				name: 'Kirin account',
				type: 'kirinApi',
				data: { apiKey: fake.apiKey, baseUrl: fake.url },
			},
			{
				id: 'openAiFake',
				name: 'OpenAI (fake)',
				type: 'openAiApi',
				data: { apiKey: ai.apiKey, url: ai.url, header: false },
			},
		]);
		const workflow = agentWorkflow({
			kirin: { id: 'kirinCredential', name: 'Kirin account' },
			openAi: { id: 'openAiFake', name: 'OpenAI (fake)' },
		});
		await n8n.import('workflow', workflow);

		let run: Json = {};
		let raw = '';
		await check('n8n runs the AI Agent workflow to its end', async () => {
			const result = await n8n.execute(workflow.id);
			run = result.data;
			raw = result.raw;
			const error = ((run.data as Json | undefined)?.resultData as Json | undefined)?.error;
			expect(!error, `the run failed: ${String(JSON.stringify(error)).slice(0, 600)}`);
		});

		await check(
			'the agent offers the Kirin tool with model and prompt, and the model calls it once',
			async () => {
				const tool = ai.offeredTools().find((candidate) => /kirin/i.test(candidate.name));
				expect(
					tool,
					`no Kirin tool offered; tools: ${
						ai
							.offeredTools()
							.map((t) => t.name)
							.join(', ') || 'none'
					}; requests: ${ai.requests.map((r) => `${r.method} ${r.path} -> ${r.answer}`).join(', ')}`,
				);
				const properties = Object.keys((tool!.parameters.properties as Json | undefined) ?? {});
				expect(
					properties.includes('model') && properties.includes('prompt'),
					`the tool's arguments are ${properties.join(', ')}`,
				);
				expect(ai.problems.length === 0, ai.problems.join('; '));
				expect(ai.toolCalls.length === 1, `${ai.toolCalls.length} tool calls`);
				expect(
					ai.toolResults.length === 1,
					`${ai.toolResults.length} tool results reached the model`,
				);
			},
		);

		await check('one Kirin task, created with the model and prompt of the tool call', async () => {
			const creates = fake.ledger.creates();
			expect(creates.length === 1, `${creates.length} tasks created`);
			const body = creates[0].body as Json;
			expect(body.model === TOOL_ARGUMENTS.model, `model ${String(body.model)}`);
			expect(body.prompt === TOOL_ARGUMENTS.prompt, `prompt ${JSON.stringify(body.prompt)}`);
		});

		await check("the agent's final answer carries the video URL", async () => {
			const taskId = fake.ledger.creates()[0]?.createdTaskId;
			expect(taskId, 'no task was created');
			const url = `${fake.url}/files/${taskId}.mp4`;
			const [item] = itemsOf(run, AGENT_NODE);
			const answer = String(item?.output ?? '');
			expect(
				answer.includes(url),
				`the answer is ${JSON.stringify(answer).slice(0, 300)}, expected ${url}`,
			);
			const toolRuns = itemsOf(run, TOOL_NODE);
			expect(
				JSON.stringify(toolRuns).includes(url),
				`the Kirin tool's output does not carry ${url}: ${JSON.stringify(toolRuns).slice(0, 300)}`,
			);
		});

		if (results.some((result) => !result.ok))
			console.log(`\nn8n execute output (last lines):\n${raw.split('\n').slice(-40).join('\n')}`);
	} finally {
		await n8n.stop();
		await ai.close();
		await fake.close();
	}
	n8n.remove();
	const failed = results.filter((result) => !result.ok);
	console.log(`${((Date.now() - started) / 1000).toFixed(0)} s in all`);
	console.log(`\nagent: ${results.length - failed.length} passed, ${failed.length} failed`);
	process.exitCode = failed.length ? 1 : 0;
}

main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
