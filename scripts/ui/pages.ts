/**
 * What the UI checks expect, written from the provider's model pages (one page per model), not from
 * the node's own catalog: which request parameters each page lists, and the label the editor shows
 * for each of them. A panel that shows a field whose parameter the model's page does not list, or
 * misses one it lists, fails the check.
 */

/** A request parameter as the model pages name it. */
export type PageParameter =
	| 'prompt'
	| 'image'
	| 'negative_prompt'
	| 'duration'
	| 'aspect_ratio'
	| 'mode'
	| 'sound'
	| 'cfg_scale'
	| 'camera_control'
	| 'watermark_info';

/** The label of the field the editor shows for each page parameter. */
export const FIELD_LABELS: Readonly<Record<PageParameter, string>> = {
	prompt: 'Prompt',
	image: 'Image Source',
	negative_prompt: 'Negative Prompt',
	duration: 'Duration',
	aspect_ratio: 'Aspect Ratio',
	mode: 'Mode',
	sound: 'Sound',
	cfg_scale: 'CFG Scale',
	camera_control: 'Camera Control',
	watermark_info: 'Watermark',
};

/** Every page parameter, in the order of {@link FIELD_LABELS}. */
export const PAGE_PARAMETERS = Object.keys(FIELD_LABELS) as PageParameter[];

/** One model page: the model id and the request parameters the page lists (besides the model). */
export interface ModelPage {
	id: string;
	parameters: readonly PageParameter[];
}

/**
 * The five pages (`kirin_<id>.txt`), parameter by parameter as each page's request body lists them
 * (callback_url and external_task_id are options of every model, not model fields).
 */
export const MODEL_PAGES: readonly ModelPage[] = [
	{
		id: 'kirin_v2_6_t2v',
		parameters: [
			'prompt',
			'negative_prompt',
			'sound',
			'mode',
			'aspect_ratio',
			'duration',
			'watermark_info',
		],
	},
	{
		id: 'kirin_v2_5_turbo_t2v',
		parameters: ['prompt', 'duration', 'aspect_ratio', 'mode', 'negative_prompt', 'watermark_info'],
	},
	{
		id: 'kirin_v2_1_master_t2v',
		parameters: ['prompt', 'aspect_ratio', 'duration', 'watermark_info'],
	},
	{
		id: 'kirin_v2_master_i2v',
		parameters: ['image', 'prompt', 'negative_prompt', 'duration', 'watermark_info'],
	},
	{
		id: 'kirin_v1_t2v',
		parameters: [
			'prompt',
			'duration',
			'aspect_ratio',
			'negative_prompt',
			'cfg_scale',
			'mode',
			'camera_control',
			'watermark_info',
		],
	},
];

/** The settings of a node that decide which of its model's fields are shown. */
export interface PanelState {
	/** `std` or `pro`; a page's default is Standard. */
	mode?: 'std' | 'pro';
	/** `5` or `10` seconds. */
	duration?: '5' | '10';
}

/**
 * The page's rules on when a field applies: sound only in Professional mode (`kirin_v2_6_t2v`),
 * camera control only in Standard mode with 5 seconds (`kirin_v1_t2v`).
 *
 * @returns whether the page allows the parameter in that state
 */
export function appliesIn(parameter: PageParameter, state: PanelState): boolean {
	const mode = state.mode ?? 'std';
	const duration = state.duration ?? '5';
	if (parameter === 'sound') return mode === 'pro';
	if (parameter === 'camera_control') return mode === 'std' && duration === '5';
	return true;
}

/**
 * The labels of the model fields a panel must show for a model in a state: the page's parameters
 * that apply in that state.
 *
 * @throws Error for a model id without a page
 */
export function expectedLabels(modelId: string, state: PanelState = {}): string[] {
	const page = MODEL_PAGES.find((candidate) => candidate.id === modelId);
	if (!page) throw new Error(`no model page for ${modelId}`);
	return page.parameters
		.filter((parameter) => appliesIn(parameter, state))
		.map((parameter) => FIELD_LABELS[parameter]);
}

/** The ids of the models whose pages list a parameter, in page order. */
export function modelsListing(parameter: PageParameter): string[] {
	return MODEL_PAGES.filter((page) => page.parameters.includes(parameter)).map((page) => page.id);
}
