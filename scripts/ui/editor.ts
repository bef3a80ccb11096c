/**
 * The n8n editor as a user meets it, driven through Chromium: sign in, open a workflow, open a node's
 * panel (double click on the canvas), read the fields the panel shows with their hints, pick an
 * option, run "Execute step" and read the output, take cropped screenshots. Selectors are the
 * editor's own `data-test-id` attributes (n8n 2.41.1).
 */
import type { Locator, Page } from 'playwright-core';

/** A field the node panel shows: its label and the hint text under it. */
export interface PanelField {
	label: string;
	hint: string;
}

/** A rectangle on the page, in CSS pixels. */
interface Box {
	x: number;
	y: number;
	width: number;
	height: number;
}

/** The few DOM members the page functions below use (the scripts compile without the DOM library). */
interface DomElement {
	parentElement: DomElement | null;
	textContent: string | null;
	closest(selector: string): DomElement | null;
	querySelector(selector: string): DomElement | null;
	querySelectorAll(selector: string): ArrayLike<DomElement>;
	cloneNode(deep: boolean): DomElement;
	remove(): void;
	checkVisibility(): boolean;
}
declare const document: { querySelector(selector: string): DomElement | null };

/** An element with a layout box (for the page functions below). */
interface DomBox {
	getBoundingClientRect(): { top: number; bottom: number; width: number; height: number };
	querySelectorAll(selector: string): ArrayLike<DomBox>;
}

const NDV = '[data-test-id="ndv"]';

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
const PARAMETERS = `${NDV} [data-test-id="node-parameters"]`;
const OUTPUT = '[data-test-id="output-panel"]';

/** One signed-in editor tab. */
export class Editor {
	constructor(
		readonly page: Page,
		readonly baseUrl: string,
	) {
		// Leaving a workflow with unsaved changes asks "leave the page?": yes.
		page.on('dialog', (dialog) => void dialog.accept().catch(() => undefined));
	}

	/** Signs in through the sign-in form. */
	async login(email: string, password: string): Promise<void> {
		await this.page.goto(`${this.baseUrl}/signin`);
		await this.page.locator('input[name="emailOrLdapLoginId"]').fill(email, { timeout: 120_000 });
		await this.page.locator('input[name="password"]').fill(password);
		await this.page.getByRole('button', { name: 'Sign in' }).click();
		await this.page.waitForURL((url) => !url.pathname.includes('/signin'), { timeout: 120_000 });
	}

	/** Opens a workflow on the canvas and waits until its nodes are drawn. */
	async openWorkflow(id: string): Promise<void> {
		await this.page.goto(`${this.baseUrl}/workflow/${id}`);
		await this.page
			.locator('[data-test-id="canvas-node"]')
			.first()
			.waitFor({ state: 'visible', timeout: 120_000 });
	}

	/** The canvas node of that name. */
	canvasNode(name: string): Locator {
		return this.page.locator(`[data-test-id="canvas-node"][data-node-name="${name}"]`);
	}

	/** Opens a node's panel by double-clicking it on the canvas (closing an open panel first). */
	async openNode(name: string): Promise<void> {
		if (await this.page.locator(PARAMETERS).isVisible()) await this.closeNode();
		await this.canvasNode(name).dblclick();
		await this.page.locator(PARAMETERS).waitFor({ state: 'visible', timeout: 60_000 });
		await this.page
			.locator(`${NDV} [data-test-id="node-title-container"]`)
			.filter({ hasText: name })
			.first()
			.waitFor({ timeout: 30_000 });
		await this.settle();
	}

	/** Closes the open node panel. */
	async closeNode(): Promise<void> {
		await this.page.locator(`${NDV} [data-test-id="ndv-close-button"]`).click();
		await this.page.locator(PARAMETERS).waitFor({ state: 'hidden', timeout: 30_000 });
	}

	/** Waits until the panel's list of fields stops changing (two equal reads 300 ms apart). */
	async settle(timeoutMs = 15_000): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		let last = JSON.stringify(await this.fields());
		while (Date.now() < deadline) {
			await this.page.waitForTimeout(300);
			const next = JSON.stringify(await this.fields());
			if (next === last) return;
			last = next;
		}
	}

	/**
	 * The fields the open panel's Parameters tab shows, top level only (not the entries inside a
	 * collection such as Options), in order, each with its label and the hint text under it.
	 */
	async fields(): Promise<PanelField[]> {
		return await this.page.evaluate((selector) => {
			const root = document.querySelector(selector);
			if (!root) return [];
			const items = Array.from(root.querySelectorAll('[data-test-id="parameter-item"]')).filter(
				(item) =>
					!item.parentElement?.closest('[data-test-id="parameter-item"]') && item.checkVisibility(),
			);
			const fields: Array<{ label: string; hint: string }> = [];
			for (const item of items) {
				const labelElement = item.querySelector('[data-test-id="input-label"] label');
				const label = (labelElement?.querySelector('.n8n-text') ?? labelElement)?.textContent
					?.replace(/\s+/g, ' ')
					.replace(/\s*\*$/, '')
					.trim();
				if (!label) continue;
				const clone = item.cloneNode(true);
				for (const drop of Array.from(
					clone.querySelectorAll(
						'[data-test-id="input-label"] label, [data-test-id^="parameter-input-"], [data-test-id$="options-container"], [data-test-id="node-credentials-slot"], [data-test-id="parameter-item"] [data-test-id="parameter-item"]',
					),
				))
					drop.remove();
				fields.push({ label, hint: (clone.textContent ?? '').replace(/\s+/g, ' ').trim() });
			}
			return fields;
		}, PARAMETERS);
	}

	/** The whole text of the open panel's Parameters tab. */
	async parametersText(): Promise<string> {
		return ((await this.page.locator(PARAMETERS).textContent()) ?? '').replace(/\s+/g, ' ');
	}

	/** The panel field with that label. */
	field(label: string): Locator {
		const exact = new RegExp(`^\\s*${escapeRegExp(label)}\\s*\\*?\\s*$`);
		return this.page
			.locator(`${PARAMETERS} [data-test-id="parameter-item"]`)
			.filter({
				has: this.page.locator('[data-test-id="input-label"] label .n8n-text', { hasText: exact }),
			})
			.first();
	}

	/** Picks an option of a list field by the option's name, as a user does. */
	async selectOption(label: string, option: string): Promise<void> {
		await this.field(label).locator('[data-test-id^="parameter-input-"]').first().click();
		const exact = new RegExp(`^\\s*${escapeRegExp(option)}\\s*$`);
		// An option shows its name, and under it its description when it has one.
		const items = this.page.locator('.el-select-dropdown__item').locator('visible=true');
		await items.first().waitFor({ timeout: 30_000 });
		const byHeadline = items.filter({
			has: this.page.locator('.option-headline', { hasText: exact }),
		});
		const target = (await byHeadline.count()) > 0 ? byHeadline : items.filter({ hasText: exact });
		await target.first().click();
		await this.settle();
	}

	/**
	 * Clicks "Execute step" and waits until the output panel shows items or an error.
	 *
	 * @returns `items` or `error`, and the text the output panel shows
	 */
	async executeStep(timeoutMs = 180_000): Promise<{ outcome: 'items' | 'error'; text: string }> {
		await this.page.locator(`${NDV} [data-test-id="node-execute-button"]`).first().click();
		const done = this.page
			.locator(
				`${OUTPUT} [data-test-id="ndv-items-count"], ${OUTPUT} [data-test-id="node-error-message"]`,
			)
			.first();
		try {
			await done.waitFor({ state: 'visible', timeout: timeoutMs });
		} catch {
			const shown = ((await this.page.locator(OUTPUT).textContent()) ?? '').replace(/\s+/g, ' ');
			throw new Error(
				`no output after ${timeoutMs / 1000} s; the output panel shows: ${shown.slice(0, 400)}`,
			);
		}
		const error = await this.page.locator(`${OUTPUT} [data-test-id="node-error-message"]`).count();
		return {
			outcome: error > 0 ? 'error' : 'items',
			text: ((await this.page.locator(OUTPUT).textContent()) ?? '').replace(/\s+/g, ' '),
		};
	}

	/** Switches the output panel to a display mode (`table`, `json`, `schema`, `binary`...). */
	async outputMode(mode: string): Promise<void> {
		await this.page.locator(`${OUTPUT} [data-test-id="radio-button-${mode}"]`).click();
		await this.page.waitForTimeout(500);
	}

	/** The output panel. */
	output(): Locator {
		return this.page.locator(OUTPUT);
	}

	/** Where the open panel's Parameters column is, from the panel's top to its bottom. */
	async parametersBox(): Promise<Box> {
		const ndv = await this.page.locator(NDV).boundingBox();
		const parameters = await this.page.locator(PARAMETERS).boundingBox();
		const tabs = await this.page
			.locator(`${NDV} [data-test-id="tab-params"]`)
			.first()
			.boundingBox();
		if (!ndv || !parameters) throw new Error('no node panel to measure');
		const margin = 16;
		const top = tabs ? tabs.y - 8 : ndv.y;
		return {
			x: Math.max(ndv.x, parameters.x - margin),
			y: top,
			width: parameters.width + 2 * margin,
			height: ndv.y + ndv.height - top,
		};
	}

	/** The region around the nodes on the canvas (with their names under them). */
	async nodesBox(): Promise<Box> {
		const boxes = (
			await Promise.all(
				(await this.page.locator('[data-test-id="canvas-node"]').all()).map(
					async (node) => await node.boundingBox(),
				),
			)
		).filter((box): box is Box => box !== null);
		if (boxes.length === 0) throw new Error('no nodes on the canvas');
		const left = Math.min(...boxes.map((box) => box.x)) - 70;
		const top = Math.min(...boxes.map((box) => box.y)) - 40;
		const right = Math.max(...boxes.map((box) => box.x + box.width)) + 90;
		const bottom = Math.max(...boxes.map((box) => box.y + box.height)) + 70;
		return { x: Math.max(0, left), y: Math.max(0, top), width: right - left, height: bottom - top };
	}

	/**
	 * The part of a panel that holds content: the panel's top to the lowest visible element inside
	 * it (elements nearly as tall as the panel, its wrappers, do not count), plus a margin.
	 */
	async contentBox(panel: Locator): Promise<Box> {
		const box = await panel.boundingBox();
		if (!box) throw new Error('the panel is not shown');
		const bottom = await panel.evaluate((root) => {
			const container = root as unknown as DomBox;
			const outer = container.getBoundingClientRect();
			let lowest = outer.top;
			for (const element of Array.from(container.querySelectorAll('*'))) {
				const rect = element.getBoundingClientRect();
				if (rect.height === 0 || rect.width === 0 || rect.height > outer.height * 0.8) continue;
				lowest = Math.max(lowest, rect.bottom);
			}
			return lowest;
		});
		return { ...box, height: Math.min(box.height, bottom - box.y + 24) };
	}

	/** Closes the notifications in the corner ("Node executed successfully"...). */
	async closeNotifications(): Promise<void> {
		for (const button of await this.page.locator('.el-notification__closeBtn').all()) {
			await button.click().catch(() => undefined);
		}
		await this.page
			.locator('.el-notification')
			.first()
			.waitFor({ state: 'hidden', timeout: 10_000 })
			.catch(() => undefined);
	}

	/** Saves a PNG of a region of the page. */
	async screenshot(path: string, clip: Box): Promise<void> {
		// No hover effects in the picture: the pointer rests in the page's bottom right corner.
		const size = this.page.viewportSize();
		if (size) await this.page.mouse.move(size.width - 2, size.height - 2);
		await this.page.waitForTimeout(300);
		await this.page.screenshot({ path, clip, animations: 'disabled', caret: 'hide' });
	}
}
