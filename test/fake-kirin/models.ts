/**
 * The fake Kirin server's own copy of the five model pages in `/work/shared/seeds/`.
 *
 * This file is written from the seed pages alone and imports nothing from `nodes/`: the fake server
 * checks every request the node sends against these rules, so a node that drifts from the pages
 * fails its tests instead of agreeing with itself. Where the pages are silent or ambiguous, the
 * choice made here is noted next to the rule (and summarised in {@link SEED_AMBIGUITIES}).
 */

/** Model ids the seed pages define, one page each. */
export type FakeModelId =
	| 'kirin_v1_t2v'
	| 'kirin_v2_master_i2v'
	| 'kirin_v2_1_master_t2v'
	| 'kirin_v2_5_turbo_t2v'
	| 'kirin_v2_6_t2v';

/**
 * Last three digits of a Kirin error code. The same five kinds, with the same descriptions, are in
 * the "Error Codes" table of every seed page; the first six digits name the model.
 */
export type ErrorKind = '095' | '096' | '097' | '098' | '099';

/** Descriptions of the error kinds, word for word from the seed pages' "Error Codes" tables. */
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
 * - `camera_control`: `{ type, config? }` as on `kirin_v1_t2v.txt` (see {@link CAMERA_TYPES});
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
 * One model as its seed page describes it.
 * - `seedPage`: file name under `/work/shared/seeds/`;
 * - `errorPrefix`: the six leading digits of the page's error codes;
 * - `params`: every parameter the page lists except `model` (anything else is rejected with 400);
 * - `required`: parameters the page marks "required" (besides `model`);
 * - `rules`: the page's cross-parameter rules, each returning an error message or `undefined`;
 *   they receive the request body with the page's defaults filled in.
 */
export interface FakeModelSpec {
	id: FakeModelId;
	seedPage: string;
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

/** Camera movement types of `camera_control.type` (kirin_v1_t2v.txt). Only `simple` takes a config. */
export const CAMERA_TYPES = [
	'simple',
	'down_back',
	'forward_up',
	'right_turn_forward',
	'left_turn_forward',
] as const;

/** The six `camera_control.config` fields (kirin_v1_t2v.txt), each a number in -10..10. */
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
 * kirin_v1_t2v — text to video, 720p 30 fps. Source: `kirin_v1_t2v.txt`.
 * Parameters: prompt (required, 1..2500), duration "5"|"10" (default "5"), aspect_ratio
 * (default 16:9), negative_prompt (≤ 2500), cfg_scale 0..1 (default 0.5), mode std|pro (default std),
 * camera_control, watermark_info, callback_url, external_task_id.
 * Rule (API notes): camera_control only when mode is std and duration is 5 (defaults apply).
 * Error codes 002001095..002001099.
 */
const KIRIN_V1_T2V: FakeModelSpec = {
	id: 'kirin_v1_t2v',
	seedPage: 'kirin_v1_t2v.txt',
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
 * kirin_v2_master_i2v — image to video, 720p 24 fps. Source: `kirin_v2_master_i2v.txt`.
 * Parameters: image (required: http(s) URL or bare base64 without a `data:` prefix; jpg/jpeg/png,
 * < 10 MB, width and height ≥ 300 px, aspect 1:2.5..2.5:1), prompt (optional, ≤ 2500),
 * negative_prompt (≤ 2500), duration "5"|"10" (default "5"), watermark_info, callback_url,
 * external_task_id. No aspect_ratio (the image sets it), no mode, no cfg_scale.
 * Error codes 002015095..002015099.
 */
const KIRIN_V2_MASTER_I2V: FakeModelSpec = {
	id: 'kirin_v2_master_i2v',
	seedPage: 'kirin_v2_master_i2v.txt',
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
 * kirin_v2_1_master_t2v — text to video, 1080p 24 fps. Source: `kirin_v2_1_master_t2v.txt`.
 * Parameters: prompt (required, 1..2500), aspect_ratio (default 16:9), duration "5"|"10" (the page
 * gives no default; "5" is assumed for pricing), watermark_info, callback_url, external_task_id.
 * No negative_prompt, mode, cfg_scale or camera_control.
 * Error codes 002008095..002008099.
 */
const KIRIN_V2_1_MASTER_T2V: FakeModelSpec = {
	id: 'kirin_v2_1_master_t2v',
	seedPage: 'kirin_v2_1_master_t2v.txt',
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
 * kirin_v2_5_turbo_t2v — text to video. Source: `kirin_v2_5_turbo_t2v.txt`.
 * Parameters: prompt (required, 1..2500), duration "5"|"10" (default "5"), aspect_ratio
 * (default 16:9), mode std|pro (default std), negative_prompt (≤ 2500), watermark_info,
 * callback_url, external_task_id. No cfg_scale, camera_control or sound.
 * Error codes 002011095..002011099.
 */
const KIRIN_V2_5_TURBO_T2V: FakeModelSpec = {
	id: 'kirin_v2_5_turbo_t2v',
	seedPage: 'kirin_v2_5_turbo_t2v.txt',
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
 * kirin_v2_6_t2v — text to video with optional sound. Source: `kirin_v2_6_t2v.txt`.
 * Parameters: prompt (required; the page says "maximum 2500", required makes it 1..2500),
 * negative_prompt (≤ 2500), sound on|off (default off), mode std|pro (default std), aspect_ratio
 * (default 16:9), duration "5"|"10" (default "5"), watermark_info, callback_url, external_task_id.
 * Rule (API notes and the sound field): sound "on" only with mode pro (defaults apply).
 * Error codes 002014095..002014099.
 */
const KIRIN_V2_6_T2V: FakeModelSpec = {
	id: 'kirin_v2_6_t2v',
	seedPage: 'kirin_v2_6_t2v.txt',
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
 * Decisions taken where the seed pages are silent or ambiguous (read by humans and by the report;
 * the validation code above and below implements them).
 */
export const SEED_AMBIGUITIES: readonly string[] = [
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

/** Result of {@link validateGenerationBody}: the model and the body, or the first rule broken. */
export type ValidationResult =
	| { ok: true; model: FakeModelSpec; params: Record<string, unknown> }
	| { ok: false; message: string };

function describe(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	if (typeof value === 'string')
		return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
	return `${typeof value} ${JSON.stringify(value)}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Length of a string in Unicode code points (what the pages call "characters"). */
export function codePointLength(text: string): number {
	let n = 0;
	for (const _ of text) n++;
	return n;
}

function isHttpUrl(value: string): boolean {
	if (!/^https?:\/\//i.test(value)) return false;
	try {
		new URL(value);
		return true;
	} catch {
		return false;
	}
}

function checkCameraControl(value: unknown): string | undefined {
	if (!isPlainObject(value))
		return `camera_control: must be an object {type, config?}, got ${describe(value)}`;
	for (const key of Object.keys(value)) {
		if (key !== 'type' && key !== 'config')
			return `camera_control.${key}: unknown field (allowed: type, config)`;
	}
	const type = value.type;
	if (typeof type !== 'string' || !(CAMERA_TYPES as readonly string[]).includes(type)) {
		return `camera_control.type: must be one of ${CAMERA_TYPES.join(', ')}, got ${describe(type)}`;
	}
	const config = value.config;
	if (config === undefined) {
		return type === 'simple' ? 'camera_control.config: required when type is simple' : undefined;
	}
	if (!isPlainObject(config))
		return `camera_control.config: must be an object, got ${describe(config)}`;
	for (const key of Object.keys(config)) {
		if (!(CAMERA_CONFIG_KEYS as readonly string[]).includes(key)) {
			return `camera_control.config.${key}: unknown field (allowed: ${CAMERA_CONFIG_KEYS.join(', ')})`;
		}
	}
	let nonZero = 0;
	for (const key of CAMERA_CONFIG_KEYS) {
		const n = config[key];
		if (n === undefined)
			return `camera_control.config.${key}: required (all six of ${CAMERA_CONFIG_KEYS.join(', ')} must be given)`;
		if (typeof n !== 'number' || !Number.isFinite(n))
			return `camera_control.config.${key}: must be a number, got ${describe(n)}`;
		if (n < -10 || n > 10) return `camera_control.config.${key}: must be within -10..10, got ${n}`;
		if (n !== 0) nonZero++;
	}
	if (nonZero !== 1)
		return `camera_control.config: exactly one of ${CAMERA_CONFIG_KEYS.join(', ')} must be non-zero, got ${nonZero}`;
	return undefined;
}

/** Largest decoded image the i2v page accepts is strictly less than this many bytes (10 MiB). */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
/** Smallest width and height in pixels the i2v page accepts. */
export const MIN_IMAGE_SIDE_PX = 300;
/** Widest aspect ratio (width / height) the i2v page accepts; the narrowest is its inverse (1:2.5). */
export const MAX_IMAGE_ASPECT = 2.5;

/** What {@link inspectImage} finds in an image file's bytes. */
export interface ImageInfo {
	format: 'png' | 'jpeg';
	width: number;
	height: number;
}

/**
 * Reads an image's format and pixel size from its bytes: the PNG signature and IHDR chunk, or the
 * JPEG SOI marker and the first SOF marker (any of C0..CF except C4, C8, CC). Returns an error
 * message (without a parameter name) when the bytes are neither, or truncated.
 */
export function inspectImage(bytes: Buffer): ImageInfo | string {
	const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
	if (bytes.length >= 8 && bytes.subarray(0, 8).equals(png)) {
		if (bytes.length < 24 || bytes.toString('latin1', 12, 16) !== 'IHDR')
			return 'PNG without an IHDR chunk';
		return { format: 'png', width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
	}
	if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
		let i = 2;
		while (i < bytes.length) {
			if (bytes[i] !== 0xff) return 'JPEG with a corrupt marker sequence';
			while (i < bytes.length && bytes[i] === 0xff) i++; // fill bytes
			if (i >= bytes.length) break;
			const marker = bytes[i++];
			if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no length
			if (marker === 0xd9 || marker === 0xda) break; // EOI or SOS before any SOF
			if (i + 2 > bytes.length) break;
			const length = bytes.readUInt16BE(i);
			if (length < 2) return 'JPEG with a corrupt segment length';
			const isSof =
				marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
			if (isSof) {
				if (i + 7 > bytes.length) break;
				return {
					format: 'jpeg',
					height: bytes.readUInt16BE(i + 3),
					width: bytes.readUInt16BE(i + 5),
				};
			}
			i += length;
		}
		return 'JPEG without a frame header (SOF marker)';
	}
	return 'not a PNG or JPEG file (checked by magic bytes; the page allows .jpg, .jpeg, .png)';
}

/**
 * Checks the i2v `image` parameter (kirin_v2_master_i2v.txt): an http(s) URL (form only), or bare
 * base64 (no `data:` prefix) that decodes to a PNG or JPEG below {@link MAX_IMAGE_BYTES} bytes with
 * both sides ≥ {@link MIN_IMAGE_SIDE_PX} px and width/height within 1/2.5..2.5. Returns an error
 * message naming `image`, or `undefined` when the image is acceptable.
 */
export function checkImageParam(value: string): string | undefined {
	if (/^https?:/i.test(value)) {
		return isHttpUrl(value) ? undefined : `image: not a valid http(s) URL`;
	}
	if (/^data:/i.test(value)) {
		return 'image: base64 must be sent without a prefix such as data:image/png;base64, (send the bare base64 string)';
	}
	if (value.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) {
		return 'image: must be an http(s) URL or a bare base64 string (A-Z, a-z, 0-9, +, /, = padding; no whitespace)';
	}
	const bytes = Buffer.from(value, 'base64');
	if (bytes.length >= MAX_IMAGE_BYTES) {
		return `image: file size must be less than 10MB (${MAX_IMAGE_BYTES} bytes), got ${bytes.length} bytes`;
	}
	const info = inspectImage(bytes);
	if (typeof info === 'string') return `image: ${info}`;
	if (info.width < MIN_IMAGE_SIDE_PX || info.height < MIN_IMAGE_SIDE_PX) {
		return `image: width and height must be at least ${MIN_IMAGE_SIDE_PX}px, got ${info.width}x${info.height}`;
	}
	const aspect = info.width / info.height;
	if (aspect > MAX_IMAGE_ASPECT || aspect < 1 / MAX_IMAGE_ASPECT) {
		return `image: aspect ratio must be between 1:2.5 and 2.5:1, got ${info.width}x${info.height}`;
	}
	return undefined;
}

function checkParam(name: string, spec: ParamSpec, value: unknown): string | undefined {
	if (value === null) return `${name}: must not be null (omit a parameter that is not set)`;
	if (value === '')
		return `${name}: must not be an empty string (omit a parameter that is not set)`;
	switch (spec.type) {
		case 'enum':
			if (typeof value !== 'string' || !spec.options.includes(value)) {
				return `${name}: must be one of the strings ${spec.options.map((o) => JSON.stringify(o)).join(', ')}, got ${describe(value)}`;
			}
			return undefined;
		case 'text': {
			if (typeof value !== 'string') return `${name}: must be a string, got ${describe(value)}`;
			const length = codePointLength(value);
			if (length < spec.minLength || length > spec.maxLength) {
				return `${name}: length must be between ${spec.minLength} and ${spec.maxLength} characters, got ${length}`;
			}
			return undefined;
		}
		case 'number':
			if (typeof value !== 'number' || !Number.isFinite(value))
				return `${name}: must be a number, got ${describe(value)}`;
			if (value < spec.min || value > spec.max)
				return `${name}: must be within ${spec.min}..${spec.max}, got ${value}`;
			return undefined;
		case 'watermark_info':
			if (!isPlainObject(value))
				return `${name}: must be an object {"enabled": boolean}, got ${describe(value)}`;
			for (const key of Object.keys(value)) {
				if (key !== 'enabled')
					return `${name}.${key}: unknown field (only "enabled"; custom watermarks are not supported)`;
			}
			if (typeof value.enabled !== 'boolean')
				return `${name}.enabled: must be a boolean, got ${describe(value.enabled)}`;
			return undefined;
		case 'camera_control':
			return checkCameraControl(value);
		case 'image':
			if (typeof value !== 'string')
				return `${name}: must be a string (URL or base64), got ${describe(value)}`;
			return checkImageParam(value);
		case 'url':
			if (typeof value !== 'string' || !isHttpUrl(value))
				return `${name}: must be an absolute http(s) URL, got ${describe(value)}`;
			return undefined;
		case 'id':
			if (typeof value !== 'string') return `${name}: must be a string, got ${describe(value)}`;
			return undefined;
	}
}

/**
 * Checks a create body (`{model, ...params}`) against the model's seed page, in this order: body is
 * an object; `model` is a known id; no parameter the page does not list; no null or empty string;
 * required parameters present; each parameter's type, options and range; the page's
 * cross-parameter rules (with the page's defaults filled in for omitted parameters). Returns the
 * first problem as `"<param>: <rule>"`, which the server sends as a 400 `invalid_parameter`.
 */
export function validateGenerationBody(body: unknown): ValidationResult {
	if (!isPlainObject(body))
		return {
			ok: false,
			message: `body: must be a JSON object {"model": ..., ...parameters}, got ${describe(body)}`,
		};
	const modelId = body.model;
	if (modelId === undefined)
		return {
			ok: false,
			message: `model: required (one of ${Object.keys(FAKE_MODELS).join(', ')})`,
		};
	if (typeof modelId !== 'string' || !Object.prototype.hasOwnProperty.call(FAKE_MODELS, modelId)) {
		return {
			ok: false,
			message: `model: unknown model ${describe(modelId)} (known: ${Object.keys(FAKE_MODELS).join(', ')})`,
		};
	}
	const model = FAKE_MODELS[modelId as FakeModelId];
	const params: Record<string, unknown> = {};
	for (const [name, value] of Object.entries(body)) {
		if (name === 'model') continue;
		if (!Object.prototype.hasOwnProperty.call(model.params, name)) {
			return {
				ok: false,
				message: `${name}: parameter not supported by model ${model.id} (its page lists: ${Object.keys(model.params).join(', ')})`,
			};
		}
		params[name] = value;
	}
	for (const name of model.required) {
		if (params[name] === undefined)
			return { ok: false, message: `${name}: required for model ${model.id}` };
	}
	for (const [name, value] of Object.entries(params)) {
		const problem = checkParam(name, model.params[name], value);
		if (problem) return { ok: false, message: problem };
	}
	const effective = effectiveParams(model, params);
	for (const rule of model.rules) {
		const problem = rule(effective);
		if (problem) return { ok: false, message: problem };
	}
	return { ok: true, model, params };
}

/** The request's parameters with each omitted one replaced by its page default, where the page gives one. */
export function effectiveParams(
	model: FakeModelSpec,
	params: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
	const out: Record<string, unknown> = { ...params };
	for (const [name, spec] of Object.entries(model.params)) {
		if (out[name] === undefined && 'default' in spec && spec.default !== undefined)
			out[name] = spec.default;
	}
	return out;
}

/** Fake price in USD per second of video, by mode (the pages publish no prices). */
export const USD_PER_SECOND: Readonly<Record<'std' | 'pro', number>> = { std: 0.07, pro: 0.14 };

/**
 * The fake's price of a task as the `usage.cost` string (USD, two decimals): seconds × rate × videos,
 * with the rate from {@link USD_PER_SECOND} by the effective mode (std when the model has none) and
 * seconds from the effective duration ("5" when omitted). E.g. 5 s std, one video → "0.35".
 */
export function costUsd(
	modelId: FakeModelId,
	params: Readonly<Record<string, unknown>>,
	videos = 1,
): string {
	const effective = effectiveParams(FAKE_MODELS[modelId], params);
	const seconds = effective.duration === '10' ? 10 : 5;
	const rate = effective.mode === 'pro' ? USD_PER_SECOND.pro : USD_PER_SECOND.std;
	return (Math.round(seconds * rate * videos * 100) / 100).toFixed(2);
}
