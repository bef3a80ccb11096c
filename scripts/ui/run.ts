/**
 * UI checks in a real browser: the pinned n8n that `npm run test:e2e` installs, with this package
 * linked in, driven with Debian's Chromium through playwright-core. It starts the fake Kirin server,
 * imports two credentials (a working key and a refused one) and the workflows (`workflows.ts`) with
 * n8n's CLI, starts n8n, creates the owner through the REST API, signs in through the sign-in form
 * and checks what a user sees:
 *   1. for each of the five models, the node panel shows exactly the fields the model's page lists
 *      (camera control only for V1 in Standard mode with 5 seconds, sound only for V2.6 in
 *      Professional mode, image source only for the image model), also after changing Mode and
 *      Duration in the panel;
 *   2. with Model set to an expression, every model field can be reached, each with a hint that
 *      names the models whose pages list it;
 *   3. the credential dialog's test passes for the working key and reports the refusal of the
 *      other;
 *   4. the Kirin Trigger panel shows its Production URL and the notice;
 *   5. "Execute step" against the fake server shows an output item with the video URL and, with
 *      Download Video on, the video as binary data that the editor offers to its video player.
 * A check also fails on any browser console error or uncaught exception raised while it ran.
 * The run saves screenshots (node panels, the trigger, an example on the canvas, an output item) as
 * PNG files into `--screenshots <folder>` (default `.tmp/ui-screenshots`; `npm run docs:screenshots`
 * writes `docs/screenshots`). Every process it starts is stopped by its pid. Prints "ok"/"FAIL"
 * lines and "ui: N passed, N failed".
 *
 *   npm run test:ui
 */
import { createHash } from 'crypto';
import { mkdirSync } from 'fs';
import { join, resolve } from 'path';
import type { ICredentialType, INodeTypeDescription } from 'n8n-workflow';

import { startFakeKirin, expectedVideoSha256, type FakeKirin } from '../../test/fake-kirin/server';
import { check, expect, results } from '../e2e/checks';
import { installN8n, N8nInstance, PACKAGE_ROOT } from '../e2e/n8n';
import { ConsoleWatch, ensureChromium, launchChromium } from './browser';
import { loadBuilt, readNodeFacts, type NodeFacts } from './description';
import { Editor, type PanelField } from './editor';
import {
	FIELD_LABELS,
	MODEL_PAGES,
	PAGE_PARAMETERS,
	expectedLabels,
	modelsListing,
	type PanelState,
} from './pages';
import { createOwner, OWNER } from './owner';
import {
	DOWNLOAD_NODE,
	EXECUTE_NODE,
	TRIGGER_NODE,
	TRIGGER_WEBHOOK_ID,
	downloadWorkflow,
	exampleWorkflows,
	executeWorkflow,
	panelsWorkflow,
	type CredentialRef,
	type PanelNode,
} from './workflows';

const GOOD: CredentialRef = { id: 'kirinCredential', name: 'Kirin account' };
const REFUSED: CredentialRef = { id: 'kirinRefusedKey', name: 'Kirin wrong key' };
const EXPRESSION_NODE = 'Model from Expression';
const WRONG_KEY_NODE = 'Wrong Key';

/** The members of a `<video>` element the download check reads (compiled without the DOM library). */
interface VideoElement {
	currentSrc: string;
	src: string;
	querySelector(selector: string): { src: string; type: string } | null;
	canPlayType(type: string): string;
}

/** A panel to check: the node, and the state that decides which fields its model's page allows. */
interface PanelCase extends PanelNode {
	state: PanelState;
}

const PROMPT = 'A lighthouse on a cliff in a storm, waves crashing, cinematic';

const PANELS: PanelCase[] = [
	{
		name: 'V2.6 Standard',
		model: 'kirin_v2_6_t2v',
		parameters: { prompt: PROMPT, mode: 'std' },
		state: { mode: 'std' },
	},
	{
		name: 'V2.6 Professional',
		model: 'kirin_v2_6_t2v',
		parameters: { prompt: PROMPT, mode: 'pro', sound: true },
		state: { mode: 'pro' },
	},
	{ name: 'V2.5 Turbo', model: 'kirin_v2_5_turbo_t2v', parameters: { prompt: PROMPT }, state: {} },
	{
		name: 'V2.1 Master',
		model: 'kirin_v2_1_master_t2v',
		parameters: { prompt: PROMPT },
		state: {},
	},
	{
		name: 'V2 Master Image to Video',
		model: 'kirin_v2_master_i2v',
		parameters: { imageSource: 'binary', prompt: 'The product slowly turns' },
		state: {},
	},
	{
		name: 'V1 Standard 5 s',
		model: 'kirin_v1_t2v',
		parameters: { prompt: PROMPT, mode: 'std', duration: '5' },
		state: { mode: 'std', duration: '5' },
	},
	{
		name: 'V1 Professional 5 s',
		model: 'kirin_v1_t2v',
		parameters: { prompt: PROMPT, mode: 'pro', duration: '5' },
		state: { mode: 'pro', duration: '5' },
	},
	{
		name: 'V1 Standard 10 s',
		model: 'kirin_v1_t2v',
		parameters: { prompt: PROMPT, mode: 'std', duration: '10' },
		state: { mode: 'std', duration: '10' },
	},
];

function parseArgs(argv: string[]): { screenshots: string } {
	let screenshots = join(PACKAGE_ROOT, '.tmp', 'ui-screenshots');
	for (let i = 0; i < argv.length; i++) {
		if (argv[i] === '--screenshots' && argv[i + 1]) screenshots = resolve(argv[++i]);
		else throw new Error(`unknown argument ${argv[i]} (use --screenshots <folder>)`);
	}
	return { screenshots };
}

/** Labels that appear more than once. */
function duplicates(labels: string[]): string[] {
	return [...new Set(labels.filter((label, index) => labels.indexOf(label) !== index))];
}

/**
 * Compares the model fields a panel shows with the ones the page expects: every expected label
 * shown, no label of a field the page does not list (in that state), none twice. Labels that do
 * not depend on the model (Operation, Completion...) and refinements of an expected field (Input
 * Binary Field under Image Source) are allowed.
 *
 * @returns what is wrong, empty when nothing is
 */
function compareFields(shown: string[], expected: string[], facts: NodeFacts): string[] {
	const pageLabels = new Set(Object.values(FIELD_LABELS));
	const problems: string[] = [];
	const missing = expected.filter((label) => !shown.includes(label));
	if (missing.length) problems.push(`missing ${missing.join(', ')}`);
	const extra = shown.filter((label) => {
		if (expected.includes(label)) return false;
		if (pageLabels.has(label)) return true;
		if (facts.genericLabels.has(label)) return false;
		const parents = facts.refines.get(label);
		return !(parents && [...parents].some((parent) => expected.includes(parent)));
	});
	if (extra.length) problems.push(`shown but not on the page: ${[...new Set(extra)].join(', ')}`);
	const twice = duplicates(shown.filter((label) => pageLabels.has(label)));
	if (twice.length) problems.push(`shown twice: ${twice.join(', ')}`);
	return problems;
}

async function main(): Promise<void> {
	const { screenshots } = parseArgs(process.argv.slice(2));
	mkdirSync(screenshots, { recursive: true });
	const started = Date.now();
	if (ensureChromium()) console.log('  chromium installed');
	const facts = readNodeFacts();
	const install = installN8n();
	console.log(`n8n ${install.version}, Chromium at /usr/bin/chromium`);
	const fake: FakeKirin = await startFakeKirin({ generationMs: 1500 });
	const n8n = await N8nInstance.create(install);
	let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
	try {
		await n8n.import('credentials', [
			{ ...GOOD, type: 'kirinApi', data: { apiKey: fake.apiKey, baseUrl: fake.url } },
			{ ...REFUSED, type: 'kirinApi', data: { apiKey: 'not-the-key', baseUrl: fake.url } },
		]);
		const panelNodes: PanelNode[] = [
			...PANELS,
			{
				name: EXPRESSION_NODE,
				model: '={{ $json.model }}',
				parameters: { prompt: '={{ $json.prompt }}' },
			},
			{
				name: WRONG_KEY_NODE,
				model: 'kirin_v2_5_turbo_t2v',
				parameters: { prompt: PROMPT },
				credential: REFUSED,
			},
		];
		const examples = exampleWorkflows(GOOD);
		await n8n.import('workflow', [
			panelsWorkflow(panelNodes, GOOD),
			executeWorkflow(GOOD),
			downloadWorkflow(GOOD),
			...examples,
		]);
		await n8n.start(300_000);
		await createOwner(n8n.url);

		browser = await launchChromium();
		const context = await browser.newContext({ viewport: { width: 1600, height: 1300 } });
		const page = await context.newPage();
		page.setDefaultTimeout(60_000);
		const watch = new ConsoleWatch(page, n8n.url);
		const editor = new Editor(page, n8n.url);
		await editor.login(OWNER.email, OWNER.password);

		/** A check that also fails on console errors or exceptions raised while it ran. */
		const uiCheck = async (name: string, body: () => Promise<void>) =>
			await check(name, async () => {
				const from = Date.now();
				await body();
				const problems = watch.since(from);
				expect(
					problems.length === 0,
					`browser errors: ${problems.map((problem) => problem.text.slice(0, 300)).join(' | ')}`,
				);
			});
		const labelsOf = (fields: PanelField[]) => fields.map((field) => field.label);

		await editor.openWorkflow('kirinUiPanels');
		for (const panel of PANELS) {
			const stateText = [
				panel.state.mode && `mode ${panel.state.mode}`,
				panel.state.duration && `${panel.state.duration} s`,
			]
				.filter(Boolean)
				.join(', ');
			await uiCheck(
				`${panel.model}${stateText ? ` (${stateText})` : ''}: the panel shows exactly the fields of the model's page`,
				async () => {
					await editor.openNode(panel.name);
					const shown = labelsOf(await editor.fields());
					expect(shown.includes('Model'), `no Model field; the panel shows: ${shown.join(', ')}`);
					const problems = compareFields(shown, expectedLabels(panel.model, panel.state), facts);
					expect(problems.length === 0, `${problems.join('; ')} (shown: ${shown.join(', ')})`);
					if (panel.name === 'V2.6 Professional')
						await editor.screenshot(
							join(screenshots, 'node-text-to-video.png'),
							await editor.parametersBox(),
						);
					if (panel.model === 'kirin_v2_master_i2v')
						await editor.screenshot(
							join(screenshots, 'node-image-to-video.png'),
							await editor.parametersBox(),
						);
				},
			);
		}

		await uiCheck(
			'V2.6: Sound appears when Mode is set to Professional, and goes with Standard',
			async () => {
				await editor.openNode('V2.6 Standard');
				expect(
					!labelsOf(await editor.fields()).includes('Sound'),
					'Sound is shown in Standard mode',
				);
				await editor.selectOption('Mode', 'Professional');
				let shown = labelsOf(await editor.fields());
				let problems = compareFields(
					shown,
					expectedLabels('kirin_v2_6_t2v', { mode: 'pro' }),
					facts,
				);
				expect(problems.length === 0, `after Mode Professional: ${problems.join('; ')}`);
				await editor.selectOption('Mode', 'Standard');
				shown = labelsOf(await editor.fields());
				problems = compareFields(shown, expectedLabels('kirin_v2_6_t2v', { mode: 'std' }), facts);
				expect(problems.length === 0, `back to Standard: ${problems.join('; ')}`);
			},
		);

		await uiCheck(
			'V1: Camera Control goes with 10 seconds or Professional mode, and comes back',
			async () => {
				await editor.openNode('V1 Standard 5 s');
				const steps: Array<[string, string, PanelState]> = [
					['Duration', '10 Seconds', { mode: 'std', duration: '10' }],
					['Duration', '5 Seconds', { mode: 'std', duration: '5' }],
					['Mode', 'Professional', { mode: 'pro', duration: '5' }],
					['Mode', 'Standard', { mode: 'std', duration: '5' }],
				];
				for (const [label, option, state] of steps) {
					await editor.selectOption(label, option);
					const shown = labelsOf(await editor.fields());
					const problems = compareFields(shown, expectedLabels('kirin_v1_t2v', state), facts);
					expect(problems.length === 0, `after ${label} ${option}: ${problems.join('; ')}`);
				}
			},
		);

		await uiCheck(
			'Model as an expression: every model field can be reached, with a hint naming its models',
			async () => {
				await editor.openNode(EXPRESSION_NODE);
				// Every hint shown under a label, over the states the panel is looked at in.
				const hints = new Map<string, Set<string>>();
				const look = async () => {
					for (const field of await editor.fields()) {
						const set = hints.get(field.label) ?? new Set<string>();
						set.add(field.hint);
						hints.set(field.label, set);
					}
				};
				await look();
				// Sound needs Professional mode, Camera Control Standard mode and 5 seconds.
				if (hints.has('Mode')) {
					await editor.selectOption('Mode', 'Professional');
					await look();
					await editor.selectOption('Mode', 'Standard');
				}
				if (hints.has('Duration')) {
					await editor.selectOption('Duration', '5 Seconds');
					await look();
				}
				const problems: string[] = [];
				const missing = PAGE_PARAMETERS.filter((parameter) => !hints.has(FIELD_LABELS[parameter]));
				if (missing.length)
					problems.push(
						`not reachable: ${missing.map((parameter) => FIELD_LABELS[parameter]).join(', ')}`,
					);
				const names = (ids: string[]) => ids.map((id) => facts.modelNames.get(id) ?? id);
				for (const parameter of PAGE_PARAMETERS) {
					const label = FIELD_LABELS[parameter];
					const listing = modelsListing(parameter);
					if (!hints.has(label) || listing.length === MODEL_PAGES.length) continue;
					const shown = [...hints.get(label)!];
					const absent = names(listing).filter(
						(name) => !shown.some((hint) => hint.includes(name)),
					);
					const others = names(
						MODEL_PAGES.map((page) => page.id).filter((id) => !listing.includes(id)),
					);
					const wrong = others.filter((name) => shown.some((hint) => hint.includes(name)));
					if (absent.length || wrong.length)
						problems.push(
							`${label}: hint ${JSON.stringify(shown.join(' | '))}${absent.length ? ` does not name ${absent.join(', ')}` : ''}${wrong.length ? ` names ${wrong.join(', ')}, whose page does not list it` : ''}`,
						);
				}
				expect(problems.length === 0, problems.join('; '));
			},
		);

		await uiCheck(
			'credential dialog: the test passes for a working key and reports a refused key',
			async () => {
				const { KirinApi } = loadBuilt<{ KirinApi: new () => ICredentialType }>(
					'credentials/KirinApi.credentials.js',
				);
				const rule = new KirinApi().test?.rules?.find((candidate) =>
					candidate.properties.message.includes('(401)'),
				);
				const refusal = String(
					(rule?.properties as { message?: string } | undefined)?.message ?? '',
				);
				expect(refusal, 'the credential has no rule for 401');
				const dialog = page.locator('[data-test-id="editCredential-modal"]');
				const openDialog = async (node: string) => {
					await editor.openNode(node);
					await page.locator('[data-test-id="credential-edit-button"]').click();
					await dialog.waitFor({ state: 'visible' });
				};
				const closeDialog = async () => {
					await page.keyboard.press('Escape');
					await dialog.waitFor({ state: 'hidden' });
				};
				await openDialog('V2.5 Turbo');
				await dialog
					.locator('[data-test-id="credentials-config-container-test-success"]')
					.locator('visible=true')
					.first()
					.waitFor({ timeout: 60_000 });
				await closeDialog();
				await openDialog(WRONG_KEY_NODE);
				await dialog.getByText(/Couldn.t connect with these settings/).waitFor({ timeout: 60_000 });
				const success = await dialog
					.locator('[data-test-id="credentials-config-container-test-success"]')
					.locator('visible=true')
					.count();
				expect(success === 0, 'the refused key also shows the success banner');
				await dialog.getByText('More details').hover();
				await dialog.getByText('More details').click();
				await page.getByText(refusal).first().waitFor({ timeout: 15_000 });
				await closeDialog();
			},
		);

		await uiCheck('Kirin Trigger: the panel shows its Production URL and the notice', async () => {
			await editor.openNode(TRIGGER_NODE);
			const { KirinTrigger } = loadBuilt<{
				KirinTrigger: new () => { description: INodeTypeDescription };
			}>('nodes/KirinTrigger/KirinTrigger.node.js');
			const notice = new KirinTrigger().description.properties.find(
				(property) => property.type === 'notice',
			);
			expect(notice, 'the Kirin Trigger has no notice');
			const text = await editor.parametersText();
			const start = notice!.displayName.replace(/\s+/g, ' ').slice(0, 60);
			expect(text.includes(start), `the notice "${start}..." is not shown`);
			await page.getByText('Webhook URLs', { exact: false }).first().click();
			await page.locator('[data-test-id="radio-button-production"]').click();
			const expected = `${n8n.url}/webhook/${TRIGGER_WEBHOOK_ID}/callback`;
			await page
				.locator('.webhook-url')
				.filter({ hasText: expected })
				.first()
				.waitFor({ timeout: 15_000 });
			await editor.screenshot(join(screenshots, 'kirin-trigger.png'), await editor.parametersBox());
		});

		await editor.openWorkflow('kirinUiExecute');
		await uiCheck(
			'Execute step: the output item carries the video URL from the fake server',
			async () => {
				const before = fake.ledger.creates().length;
				await editor.openNode(EXECUTE_NODE);
				const run = await editor.executeStep();
				expect(run.outcome === 'items', `the step failed: ${run.text.slice(0, 400)}`);
				await editor.outputMode('json');
				const text = ((await editor.output().textContent()) ?? '').replace(/\s+/g, ' ');
				const created = fake.ledger.creates().slice(before);
				expect(created.length === 1, `${created.length} tasks created, expected 1`);
				const taskId = created[0].createdTaskId!;
				expect(
					text.includes(`${fake.url}/files/${taskId}.mp4`),
					`the output does not show ${fake.url}/files/${taskId}.mp4: ${text.slice(0, 400)}`,
				);
				expect(
					text.includes('"completed"') || text.includes('completed'),
					'the output does not show the status completed',
				);
			},
		);

		await uiCheck(
			'Execute step with Download Video: the video is binary data the editor plays as video/mp4',
			async () => {
				const before = fake.ledger.creates().length;
				await editor.openWorkflow('kirinUiDownload');
				await editor.openNode(DOWNLOAD_NODE);
				const run = await editor.executeStep();
				expect(run.outcome === 'items', `the step failed: ${run.text.slice(0, 400)}`);
				const created = fake.ledger.creates().slice(before);
				expect(created.length === 1, `${created.length} tasks created, expected 1`);
				const taskId = created[0].createdTaskId!;
				const size = fake.tasks.get(taskId)!.videoBytes;
				const output = editor.output();
				await editor.outputMode('json');
				await editor.closeNotifications();
				await editor.screenshot(
					join(screenshots, 'output-item.png'),
					await editor.contentBox(output),
				);
				await editor.outputMode('binary');
				await output.getByText(`${taskId}.mp4`).first().waitFor({ timeout: 30_000 });
				const card = output.getByText('video/mp4', { exact: true });
				expect(await card.count(), 'the binary data is not shown as video/mp4');
				await editor.screenshot(
					join(screenshots, 'output-video.png'),
					await editor.contentBox(output),
				);
				await output.locator('[data-test-id="ndv-view-binary-data"]').first().click();
				const video = page.locator('video').first();
				await video.waitFor({ state: 'attached', timeout: 30_000 });
				const source = await video.evaluate((element) => {
					const player = element as unknown as VideoElement;
					const inner = player.querySelector('source');
					return {
						src: player.currentSrc || player.src || inner?.src || '',
						type: inner?.type ?? '',
						canPlay: player.canPlayType('video/mp4'),
					};
				});
				expect(source.src, 'the video player has no source');
				expect(source.canPlay !== '', 'the browser cannot play video/mp4');
				const response = await page.request.get(source.src);
				const body = await response.body();
				expect(response.ok(), `the video source answered ${response.status()}`);
				expect(
					(response.headers()['content-type'] ?? '').startsWith('video/mp4') ||
						source.type === 'video/mp4',
					`the video is served as ${response.headers()['content-type']}`,
				);
				expect(
					createHash('sha256').update(body).digest('hex') === expectedVideoSha256(taskId, 0, size),
					`the player gets ${body.length} bytes that are not the task's video (${size} bytes)`,
				);
			},
		);

		await editor.openWorkflow('kirinExampleSheetRows');
		await page.locator('[data-test-id="zoom-to-fit"]').click();
		await page.waitForTimeout(1000);
		await editor.screenshot(join(screenshots, 'example-workflow.png'), await editor.nodesBox());
	} finally {
		await browser?.close().catch(() => undefined);
		await n8n.stop();
		await fake.close();
	}
	const failed = results.filter((result) => !result.ok);
	if (failed.length)
		console.log(`\nn8n log (last lines):\n${n8n.log().split('\n').slice(-30).join('\n')}`);
	n8n.remove();
	console.log(
		`screenshots in ${screenshots}; ${((Date.now() - started) / 1000).toFixed(0)} s in all`,
	);
	console.log(`\nui: ${results.length - failed.length} passed, ${failed.length} failed`);
	process.exitCode = failed.length ? 1 : 0;
}

main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
