/**
 * The fake Kirin server's own copy of the provider's five model pages: ids, error codes,
 * parameters with their types, ranges and defaults, and the cross-parameter rules.
 *
 * Written from the model pages alone, it imports nothing from `nodes/`: the fake server checks
 * every request the node sends against these rules, so a node that drifts from the pages fails its
 * tests instead of agreeing with itself. Where the pages are silent or ambiguous, the choice made
 * here is noted next to the rule (and summarised in {@link PAGE_AMBIGUITIES}).
 */

/** Model ids the provider's model pages define, one page each. */
export type FakeModelId =
	| 'kirin_v1_t2v'
	| 'kirin_v2_master_i2v'
	| 'kirin_v2_1_master_t2v'
	| 'kirin_v2_5_turbo_t2v'
	| 'kirin_v2_6_t2v';

/**
 * Last three digits of a Kirin error code. The same five kinds, with the same descriptions, are in
 * the "Error Codes" table of every model page; the first six digits name the model.
 */
export type ErrorKind = '095' | '096' | '097' | '098' | '099';

/** Descriptions of the error kinds, word for word from the model pages' "Error Codes" tables. */
export const ERROR_KIND_DESCRIPTIONS: Readonly<Record<ErrorKind, string>> = {
	'095': 'Internal generation error',
	'096': 'Result parsing error',
	'097': 'HTTP error response',
	'098': 'Status check error',
	'099': 'Task creation error',
};

/**
 * How one request parameter is checked.
 * - `enum`: a string from `options` (all option values on the pages are strings, `duration` too);
 * - `text`: a string whose length in Unicode code points is within `minLength..maxLength`;
 * - `number`: a finite JSON number within `min..max` inclusive;
 * - `watermark_info`: exactly `{ "enabled": boolean }`;
 * - `camera_control`: `{ type, config? }` as on the kirin_v1_t2v page (see {@link CAMERA_TYPES});
 * - `image`: an http(s) URL or bare base64 of a PNG/JPEG (see {@link checkImageParam});
 * - `url`: an absolute http(s) URL (`callback_url`);
 * - `id`: a non-empty string (`external_task_id`).
 * `default` is the page's "Default:" value, used when a cross-parameter rule needs the effective value.
 */
export type ParamSpec =
	| { type: 'enum'; options: readonly string[]; default?: string }
	| { type: 'text'; minLength: number; maxLength: number }
	| { type: 'number'; min: number; max: number; default?: number }
	| { type: 'watermark_info' }
	| { type: 'camera_control' }
	| { type: 'image' }
	| { type: 'url' }
	| { type: 'id' };

/**
 * One model as its page describes it.
 * - `errorPrefix`: the six leading digits of the page's error codes;
 * - `params`: every parameter the page lists except `model` (anything else is rejected with 400);
 * - `required`: parameters the page marks "required" (besides `model`);
 * - `rules`: the page's cross-parameter rules, each returning an error message or `undefined`;
 *   they receive the request body with the page's defaults filled in.
 */
export interface FakeModelSpec {
	id: FakeModelId;
	kind: 'text-to-video' | 'image-to-video';
	/** Output resolution from the page's API notes, when it gives one. */
	resolution?: '720p' | '1080p';
	/** Frames per second from the page's API notes, when it gives one. */
	fps?: number;
	errorPrefix: string;
	required: readonly string[];
	params: Readonly<Record<string, ParamSpec>>;
	rules: ReadonlyArray<(effective: Readonly<Record<string, unknown>>) => string | undefined>;
}

/** Camera movement types of `camera_control.type` (kirin_v1_t2v page). Only `simple` takes a config. */
export const CAMERA_TYPES = [
	'simple',
	'down_back',
	'forward_up',
	'right_turn_forward',
	'left_turn_forward',
] as const;

/** The six `camera_control.config` fields (kirin_v1_t2v page), each a number in -10..10. */
export const CAMERA_CONFIG_KEYS = [
	'horizontal',
	'vertical',
	'pan',
	'tilt',
	'roll',
	'zoom',
] as const;

const DURATION: ParamSpec = { type: 'enum', options: ['5', '10'], default: '5' };
const ASPECT_RATIO: ParamSpec = { type: 'enum', options: ['16:9', '9:16', '1:1'], default: '16:9' };
const MODE: ParamSpec = { type: 'enum', options: ['std', 'pro'], default: 'std' };
const PROMPT_REQUIRED: ParamSpec = { type: 'text', minLength: 1, maxLength: 2500 };
const TEXT_OPTIONAL: ParamSpec = { type: 'text', minLength: 1, maxLength: 2500 };
/** Parameters every page lists with the same meaning. */
const COMMON: Readonly<Record<string, ParamSpec>> = {
	watermark_info: { type: 'watermark_info' },
	callback_url: { type: 'url' },
	external_task_id: { type: 'id' },
};

/**
 * kirin_v1_t2v — text to video, 720p 30 fps. Source: the provider's kirin_v1_t2v page.
 * Parameters: prompt (required, 1..2500), duration "5"|"10" (default "5"), aspect_ratio
 * (default 16:9), negative_prompt (≤ 2500), cfg_scale 0..1 (default 0.5), mode std|pro (default std),
 * camera_control, watermark_info, callback_url, external_task_id.
 * Rule (API notes): camera_control only when mode is std and duration is 5 (defaults apply).
 * Error codes 002001095..002001099.
 */
const KIRIN_V1_T2V: FakeModelSpec = {
	id: 'kirin_v1_t2v',
	kind: 'text-to-video',
	resolution: '720p',
	fps: 30,
	errorPrefix: '002001',
	required: ['prompt'],
	params: {
		prompt: PROMPT_REQUIRED,
		duration: DURATION,
		aspect_ratio: ASPECT_RATIO,
		negative_prompt: TEXT_OPTIONAL,
		cfg_scale: { type: 'number', min: 0, max: 1, default: 0.5 },
		mode: MODE,
		camera_control: { type: 'camera_control' },
		...COMMON,
	},
	rules: [
		(p) =>
			p.camera_control !== undefined && (p.mode !== 'std' || p.duration !== '5')
				? `camera_control: only supported when mode is std and duration is "5" (got mode ${String(p.mode)}, duration "${String(p.duration)}")`
				: undefined,
	],
};

/**
 * kirin_v2_master_i2v — image to video, 720p 24 fps. Source: the provider's kirin_v2_master_i2v page.
 * Parameters: image (required: http(s) URL or bare base64 without a `data:` prefix; jpg/jpeg/png,
 * < 10 MB, width and height ≥ 300 px, aspect 1:2.5..2.5:1), prompt (optional, ≤ 2500),
 * negative_prompt (≤ 2500), duration "5"|"10" (default "5"), watermark_info, callback_url,
 * external_task_id. No aspect_ratio (the image sets it), no mode, no cfg_scale.
 * Error codes 002015095..002015099.
 */
const KIRIN_V2_MASTER_I2V: FakeModelSpec = {
	id: 'kirin_v2_master_i2v',
	kind: 'image-to-video',
	resolution: '720p',
	fps: 24,
	errorPrefix: '002015',
	required: ['image'],
	params: {
		image: { type: 'image' },
		prompt: TEXT_OPTIONAL,
		negative_prompt: TEXT_OPTIONAL,
		duration: DURATION,
		...COMMON,
	},
	rules: [],
};

/**
 * kirin_v2_1_master_t2v — text to video, 1080p 24 fps. Source: the provider's kirin_v2_1_master_t2v page.
 * Parameters: prompt (required, 1..2500), aspect_ratio (default 16:9), duration "5"|"10" (the page
 * gives no default; "5" is assumed for pricing), watermark_info, callback_url, external_task_id.
 * No negative_prompt, mode, cfg_scale or camera_control.
 * Error codes 002008095..002008099.
 */
const KIRIN_V2_1_MASTER_T2V: FakeModelSpec = {
	id: 'kirin_v2_1_master_t2v',
	kind: 'text-to-video',
	resolution: '1080p',
	fps: 24,
	errorPrefix: '002008',
	required: ['prompt'],
	params: {
		prompt: PROMPT_REQUIRED,
		aspect_ratio: ASPECT_RATIO,
		duration: { type: 'enum', options: ['5', '10'] },
		...COMMON,
	},
	rules: [],
};

/**
 * kirin_v2_5_turbo_t2v — text to video. Source: the provider's kirin_v2_5_turbo_t2v page.
 * Parameters: prompt (required, 1..2500), duration "5"|"10" (default "5"), aspect_ratio
 * (default 16:9), mode std|pro (default std), negative_prompt (≤ 2500), watermark_info,
 * callback_url, external_task_id. No cfg_scale, camera_control or sound.
 * Error codes 002011095..002011099.
 */
const KIRIN_V2_5_TURBO_T2V: FakeModelSpec = {
	id: 'kirin_v2_5_turbo_t2v',
	kind: 'text-to-video',
	errorPrefix: '002011',
	required: ['prompt'],
	params: {
		prompt: PROMPT_REQUIRED,
		duration: DURATION,
		aspect_ratio: ASPECT_RATIO,
		mode: MODE,
		negative_prompt: TEXT_OPTIONAL,
		...COMMON,
	},
	rules: [],
};

/**
 * kirin_v2_6_t2v — text to video with optional sound. Source: the provider's kirin_v2_6_t2v page.
 * Parameters: prompt (required; the page says "maximum 2500", required makes it 1..2500),
 * negative_prompt (≤ 2500), sound on|off (default off), mode std|pro (default std), aspect_ratio
 * (default 16:9), duration "5"|"10" (default "5"), watermark_info, callback_url, external_task_id.
 * Rule (API notes and the sound field): sound "on" only with mode pro (defaults apply).
 * Error codes 002014095..002014099.
 */
const KIRIN_V2_6_T2V: FakeModelSpec = {
	id: 'kirin_v2_6_t2v',
	kind: 'text-to-video',
	errorPrefix: '002014',
	required: ['prompt'],
	params: {
		prompt: PROMPT_REQUIRED,
		negative_prompt: TEXT_OPTIONAL,
		sound: { type: 'enum', options: ['on', 'off'], default: 'off' },
		mode: MODE,
		aspect_ratio: ASPECT_RATIO,
		duration: DURATION,
		...COMMON,
	},
	rules: [
		(p) =>
			p.sound === 'on' && p.mode !== 'pro'
				? `sound: "on" is only supported when mode is pro (got mode ${String(p.mode)})`
				: undefined,
	],
};

/** Every model the fake accepts, by id. */
export const FAKE_MODELS: Readonly<Record<FakeModelId, FakeModelSpec>> = {
	kirin_v1_t2v: KIRIN_V1_T2V,
	kirin_v2_master_i2v: KIRIN_V2_MASTER_I2V,
	kirin_v2_1_master_t2v: KIRIN_V2_1_MASTER_T2V,
	kirin_v2_5_turbo_t2v: KIRIN_V2_5_TURBO_T2V,
	kirin_v2_6_t2v: KIRIN_V2_6_T2V,
};

/**
 * Decisions taken where the model pages are silent or ambiguous (the validation in `models.ts` and
 * `images.ts` implements them).
 */
export const PAGE_AMBIGUITIES: readonly string[] = [
	'watermark_info is typed "array" (and "string" on kirin_v2_6_t2v) but every example is an object: only {"enabled": boolean} is accepted.',
	'kirin_v2_1_master_t2v lists duration options without a default: omitted duration is accepted and priced as "5". Its tagline says "image-to-video" but id, title and parameters are text to video.',
	'kirin_v2_6_t2v says prompt "maximum 2500" while marking it required: 1..2500.',
	'kirin_v2_master_i2v takes no aspect_ratio or mode (the page lists none).',
	'Lengths count Unicode code points, not UTF-16 units.',
	'"< 10MB" is read as fewer than 10 * 1024 * 1024 decoded bytes; base64 must be plain (A-Z a-z 0-9 + /, = padding, no whitespace, no data: prefix).',
	'An image URL is checked for form only (http or https), never fetched.',
	'camera_control.config: all six keys required, numbers in -10..10, exactly one non-zero. For types other than simple the page says config is "not needed": it is accepted when present and then checked the same way.',
	'The pages give no prices: the fake charges 0.07 USD per second per video in std (0.35 for 5 s), 0.14 in pro; models without a mode are priced as std.',
];
