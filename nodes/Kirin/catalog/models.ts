/**
 * The Kirin model catalog: one entry per provider page in `shared/seeds/`. It is data only; the node's
 * fields (`fields.ts`), the request body (`body.ts`) and the checks before a paid call
 * (`validate.ts`) are all built from it, so a new model is one new entry here.
 */

/** A duration option as the pages spell it: seconds, sent as a string. */
export type Duration = '5' | '10';

/** Aspect ratios the text to video pages offer (width:height). */
export type AspectRatio = '16:9' | '9:16' | '1:1';

/** Generation mode: `std` (Standard, cheaper) or `pro` (Professional, higher quality). */
export type Mode = 'std' | 'pro';

/** The camera movement types of `kirin_v1_t2v.txt` (`camera_control.type`). */
export const CAMERA_CONTROL_TYPES = [
	'simple',
	'down_back',
	'forward_up',
	'right_turn_forward',
	'left_turn_forward',
] as const;

/** One of {@link CAMERA_CONTROL_TYPES}. */
export type CameraControlType = (typeof CAMERA_CONTROL_TYPES)[number];

/** The six axes of `camera_control.config` (`kirin_v1_t2v.txt`); exactly one may be non-zero. */
export const CAMERA_AXES = ['horizontal', 'vertical', 'pan', 'tilt', 'roll', 'zoom'] as const;

/** One of {@link CAMERA_AXES}. */
export type CameraAxis = (typeof CAMERA_AXES)[number];

/** The prompt as a page describes it. */
export interface PromptSpec {
	/** Whether the page marks `prompt` required (text to video) or optional (image to video). */
	required: boolean;
	/** Longest prompt in characters (2500 on every page). */
	maxLength: number;
}

/**
 * The image rules of `kirin_v2_master_i2v.txt` ("Image requirements"). `maxBytes` is exclusive
 * ("Less than 10MB"); the aspect ratio is width / height.
 */
export interface ImageSpec {
	/** Accepted formats, detected from the file's bytes. */
	formats: ReadonlyArray<'png' | 'jpeg'>;
	/** File size limit in bytes; the image must be smaller. */
	maxBytes: number;
	/** Smallest width and height in pixels. */
	minSidePx: number;
	/** Smallest width / height ratio (1:2.5 = 0.4). */
	minAspect: number;
	/** Largest width / height ratio (2.5:1 = 2.5). */
	maxAspect: number;
}

/** A choice parameter: its options and the page's default (undefined where the page gives none). */
export interface ChoiceSpec<T extends string> {
	options: readonly T[];
	default?: T;
}

/**
 * What one model's page lists, parameter by parameter. A key that is absent is a parameter the page
 * does not list: the node shows no field for it and never sends it.
 */
export interface ModelParameters {
	prompt: PromptSpec;
	negativePrompt?: { maxLength: number };
	image?: ImageSpec;
	duration?: ChoiceSpec<Duration>;
	aspectRatio?: ChoiceSpec<AspectRatio>;
	mode?: ChoiceSpec<Mode>;
	/** `sound` on/off (default off on its page); `requiresMode` is the only mode that may turn it on. */
	sound?: { requiresMode: Mode };
	/** `cfg_scale` range and default. */
	cfgScale?: { min: number; max: number; default: number };
	/** `camera_control`, allowed only with the mode and duration named here. */
	cameraControl?: {
		requiresMode: Mode;
		requiresDuration: Duration;
		valueMin: number;
		valueMax: number;
	};
	/** `watermark_info.enabled`. */
	watermark?: Record<string, never>;
}

/** Whether a model turns text or an image into video. */
export type ModelKind = 'textToVideo' | 'imageToVideo';

/** One Kirin model, as its page in `shared/seeds/` describes it. */
export interface KirinModel {
	/** The API's model id, sent as `model`. */
	id: string;
	/** The page's title, shown in the Model list. */
	name: string;
	/** The page's one-line description, shown under the name. */
	description: string;
	kind: ModelKind;
	/** The seed page this entry was written from. */
	source: string;
	/** The first six digits of the model's error codes (the last three name the kind). */
	errorCodePrefix: string;
	parameters: ModelParameters;
}

/**
 * The meaning of the last three digits of a Kirin error code, identical on every page (table
 * "Error Codes"; see also `kirin-api.md`, "The Task").
 */
export const ERROR_KINDS: Readonly<Record<string, string>> = {
	'095': 'Internal generation error',
	'096': 'Result parsing error',
	'097': 'HTTP error response',
	'098': 'Status check error',
	'099': 'Task creation error',
};

const PROMPT_REQUIRED: PromptSpec = { required: true, maxLength: 2500 };
const DURATION_5_10: ChoiceSpec<Duration> = { options: ['5', '10'], default: '5' };
const ASPECT_RATIOS: ChoiceSpec<AspectRatio> = {
	options: ['16:9', '9:16', '1:1'],
	default: '16:9',
};
const MODES: ChoiceSpec<Mode> = { options: ['std', 'pro'], default: 'std' };
const NEGATIVE_PROMPT = { maxLength: 2500 };

/** Every model the node offers, in the order of the Model list. */
export const MODELS: readonly KirinModel[] = [
	{
		id: 'kirin_v2_6_t2v',
		name: 'Kirin V2.6 - Text to Video',
		description:
			'Advanced text-to-video generation with voice synthesis support and enhanced creative control',
		kind: 'textToVideo',
		source: 'kirin_v2_6_t2v.txt',
		errorCodePrefix: '002014',
		parameters: {
			prompt: PROMPT_REQUIRED,
			negativePrompt: NEGATIVE_PROMPT,
			sound: { requiresMode: 'pro' },
			mode: MODES,
			aspectRatio: ASPECT_RATIOS,
			duration: DURATION_5_10,
			watermark: {},
		},
	},
	{
		id: 'kirin_v2_5_turbo_t2v',
		name: 'Kirin V2.5 Turbo - Text to Video',
		description:
			'Single-subject video effects generation designed for expressive motion and character-driven visuals',
		kind: 'textToVideo',
		source: 'kirin_v2_5_turbo_t2v.txt',
		errorCodePrefix: '002011',
		parameters: {
			prompt: PROMPT_REQUIRED,
			duration: DURATION_5_10,
			aspectRatio: ASPECT_RATIOS,
			mode: MODES,
			negativePrompt: NEGATIVE_PROMPT,
			watermark: {},
		},
	},
	{
		id: 'kirin_v2_1_master_t2v',
		name: 'Kirin V2.1 Master - Text to Video',
		// The page's one-liner speaks of image to video, but the model takes text only (no `image`
		// parameter): the description comes from the page's API notes instead.
		description: 'Text-to-video generation at 1080p and 24 fps',
		kind: 'textToVideo',
		source: 'kirin_v2_1_master_t2v.txt',
		errorCodePrefix: '002008',
		parameters: {
			prompt: PROMPT_REQUIRED,
			aspectRatio: ASPECT_RATIOS,
			// The page lists the options but no default: left unset, the API decides.
			duration: { options: ['5', '10'] },
			watermark: {},
		},
	},
	{
		id: 'kirin_v2_master_i2v',
		name: 'Kirin V2 Master - Image to Video',
		description:
			'Master-level image-to-video generation delivering cinema-grade motion quality and consistency',
		kind: 'imageToVideo',
		source: 'kirin_v2_master_i2v.txt',
		errorCodePrefix: '002015',
		parameters: {
			image: {
				formats: ['png', 'jpeg'],
				maxBytes: 10 * 1024 * 1024,
				minSidePx: 300,
				minAspect: 1 / 2.5,
				maxAspect: 2.5,
			},
			prompt: { required: false, maxLength: 2500 },
			negativePrompt: NEGATIVE_PROMPT,
			duration: DURATION_5_10,
			watermark: {},
		},
	},
	{
		id: 'kirin_v1_t2v',
		name: 'Kirin V1 - Text to Video',
		// The page has no one-liner: the description comes from its API notes.
		description: 'Text-to-video generation at 720p and 30 fps, with camera control',
		kind: 'textToVideo',
		source: 'kirin_v1_t2v.txt',
		errorCodePrefix: '002001',
		parameters: {
			prompt: PROMPT_REQUIRED,
			duration: DURATION_5_10,
			aspectRatio: ASPECT_RATIOS,
			negativePrompt: NEGATIVE_PROMPT,
			cfgScale: { min: 0, max: 1, default: 0.5 },
			mode: MODES,
			cameraControl: { requiresMode: 'std', requiresDuration: '5', valueMin: -10, valueMax: 10 },
			watermark: {},
		},
	},
];

/** The model ids, in catalog order. */
export const MODEL_IDS: readonly string[] = MODELS.map((model) => model.id);

/**
 * Returns the catalog entry for a model id.
 *
 * @returns the entry, or undefined for an id the catalog does not know.
 */
export function findModel(id: string): KirinModel | undefined {
	return MODELS.find((model) => model.id === id);
}

/**
 * Explains a Kirin error code with the model's page: `002014095` becomes
 * `Kirin V2.6 - Text to Video: internal generation error`.
 *
 * @param code the API's `error.code` (nine digits; anything else is returned as is)
 * @returns the model's name and the kind of error, or undefined when the code is not a Kirin code
 */
export function describeErrorCode(code: string | undefined): string | undefined {
	if (!code || !/^\d{9}$/.test(code)) return undefined;
	const kind = ERROR_KINDS[code.slice(6)];
	const model = MODELS.find((entry) => entry.errorCodePrefix === code.slice(0, 6));
	if (!kind) return undefined;
	return `${model ? model.name : 'Kirin'}: ${kind.toLowerCase()}`;
}
