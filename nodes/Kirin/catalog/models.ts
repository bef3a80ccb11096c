import type { ChoiceSpec, KirinModel, PromptSpec } from './types';

export type {
	CameraControlSpec,
	ChoiceSpec,
	ImageSpec,
	KirinModel,
	ModelKind,
	ModelParameters,
	PromptSpec,
} from './types';

/**
 * The Kirin model catalog: one entry per model page of the Kirin API documentation (the page named
 * by the model id). It is data only; the node's fields, the request body and the checks before a
 * paid call are all built from it by the parameter registry (`parameters/`), so a new model is one
 * new entry here.
 */

/** The camera movement types of the V1 page (`camera_control.type`). */
export const CAMERA_CONTROL_TYPES = [
	'simple',
	'down_back',
	'forward_up',
	'right_turn_forward',
	'left_turn_forward',
] as const;

/** The six axes of `camera_control.config` (V1 page); exactly one may be non-zero. */
export const CAMERA_AXES = ['horizontal', 'vertical', 'pan', 'tilt', 'roll', 'zoom'] as const;

const PROMPT_REQUIRED: PromptSpec = { required: true, maxLength: 2500 };
const DURATION_5_10: ChoiceSpec = { options: ['5', '10'], default: '5' };
const ASPECT_RATIOS: ChoiceSpec = {
	options: ['16:9', '9:16', '1:1'],
	default: '16:9',
};
const MODES: ChoiceSpec = { options: ['std', 'pro'], default: 'std' };
const NEGATIVE_PROMPT = { maxLength: 2500 };

/** Every model the node offers, in the order of the Model list. */
export const MODELS: readonly KirinModel[] = [
	{
		id: 'kirin_v2_6_t2v',
		name: 'Kirin V2.6 - Text to Video',
		description:
			'Advanced text-to-video generation with voice synthesis support and enhanced creative control',
		kind: 'textToVideo',
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
		// parameter): the description gives the output the page names instead.
		description: 'Text-to-video generation at 1080p and 24 fps',
		kind: 'textToVideo',
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
		errorCodePrefix: '002015',
		parameters: {
			image: {
				formats: ['png', 'jpeg'],
				// "Less than 10MB", read strictly: 10,000,000 bytes.
				maxBytes: 10_000_000,
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
		// The page has no one-liner: the description gives the output and the extra the page names.
		description: 'Text-to-video generation at 720p and 30 fps, with camera control',
		kind: 'textToVideo',
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
 * @param models the catalog to search (the node's own by default)
 * @returns the entry, or undefined for an id the catalog does not know.
 */
export function findModel(
	id: string,
	models: readonly KirinModel[] = MODELS,
): KirinModel | undefined {
	return models.find((model) => model.id === id);
}
