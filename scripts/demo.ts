/**
 * The main job, end to end: real n8n workflow executions (Manual Trigger -> Items -> Kirin, run by
 * n8n-core's WorkflowExecute, the engine inside n8n) that generate one text to video and one image
 * to video, and print each output item. Against the bundled fake Kirin server by default; against a
 * real Kirin API when KIRIN_API_KEY and KIRIN_BASE_URL are set.
 */
import '../test/harness/setup';

import { startFakeKirin, type FakeKirin } from '../test/fake-kirin/server';
import { makePng } from '../test/fixtures/images';
import { errorOf, outputOf, runWorkflow } from '../test/harness/harness';
import { kirinWorkflow } from '../test/harness/workflows';

async function main(): Promise<void> {
	const realKey = process.env.KIRIN_API_KEY;
	const realUrl = process.env.KIRIN_BASE_URL;
	let fake: FakeKirin | undefined;
	let credentials: { apiKey: string; baseUrl: string };
	if (realKey && realUrl) {
		credentials = { apiKey: realKey, baseUrl: realUrl };
		console.log(`Using the Kirin API at ${realUrl}`);
	} else {
		fake = await startFakeKirin({ generationMs: 3000 });
		credentials = { apiKey: fake.apiKey, baseUrl: fake.url };
		console.log(
			`No KIRIN_API_KEY and KIRIN_BASE_URL: using the bundled fake Kirin server at ${fake.url}`,
		);
	}
	const pollInterval = fake ? 1 : 10;
	const jobs = [
		{
			title: 'Text to video (kirin_v2_6_t2v)',
			workflow: kirinWorkflow({
				operation: 'generate',
				model: 'kirin_v2_6_t2v',
				prompt: 'A red fox running through fresh snow at sunrise, cinematic',
				aspectRatio: '16:9',
				duration: '5',
				options: { pollInterval },
			}),
		},
		{
			title: 'Image to video (kirin_v2_master_i2v, image from the input item)',
			workflow: kirinWorkflow(
				{
					operation: 'generate',
					model: 'kirin_v2_master_i2v',
					imageSource: 'binary',
					binaryPropertyName: 'data',
					prompt: 'The camera slowly circles the product',
					options: { pollInterval },
				},
				[
					{
						json: { sku: 'demo-1' },
						binary: {
							data: {
								data: makePng(640, 480).toString('base64'),
								mimeType: 'image/png',
								fileName: 'product.png',
							},
						},
					},
				],
			),
		},
	];
	let failed = false;
	try {
		for (const job of jobs) {
			console.log(`\n${job.title}`);
			const started = Date.now();
			const run = await runWorkflow(job.workflow, { kirinApi: credentials });
			const error = errorOf(run, 'Kirin');
			if (error) {
				failed = true;
				console.log(
					`  failed: ${error.message}${error.description ? `\n  ${String(error.description)}` : ''}`,
				);
				continue;
			}
			for (const item of outputOf(run, 'Kirin')) {
				const { taskId, status, videoUrl, costUsd, model } = item.json;
				console.log(`  model:     ${String(model)}`);
				console.log(`  task:      ${String(taskId)} (${String(status)})`);
				console.log(`  video URL: ${String(videoUrl)}`);
				console.log(`  cost:      ${costUsd === undefined ? 'n/a' : `${String(costUsd)} USD`}`);
			}
			console.log(
				`  finished in ${((Date.now() - started) / 1000).toFixed(1)} s (workflow status: ${run.status})`,
			);
		}
	} finally {
		await fake?.close();
	}
	process.exitCode = failed ? 1 : 0;
}

main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
