/**
 * The shapes of the model catalog: what one provider page says about a model, parameter by
 * parameter. Option values are plain strings, so a model with new values (a duration `'15'`, a ratio
 * `'4:3'`, a mode `'master'`) is one catalog entry: labels for values the node does not know yet
 * come from the entry itself ({@link ChoiceSpec.labels}) or from the value.
 */

/** The prompt as a page describes it. */
export interface PromptSpec {
	/** Whether the page marks `prompt` required (text to video) or optional (image to video). */
	required: boolean;
	/** Longest prompt in characters (2500 on every page). */
	maxLength: number;
}

/**
 * The image rules of the image to video page ("Image requirements"). `maxBytes` is exclusive
 * ("Less than 10MB", read strictly as 10,000,000 bytes); the aspect ratio is width / height.
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

/**
 * A choice parameter: its options as the API spells them, the page's default (undefined where the
 * page gives none), and labels for values the node has no label for.
 */
export interface ChoiceSpec {
	options: readonly string[];
	default?: string;
	/** Display names by value, e.g. `{ master: 'Master' }`; known values have labels already. */
	labels?: Readonly<Record<string, string>>;
}

/** `camera_control` of the V1 page: allowed only with the mode and duration named here. */
export interface CameraControlSpec {
	requiresMode: string;
	requiresDuration: string;
	/** Range of the one non-zero movement. */
	valueMin: number;
	valueMax: number;
}

/**
 * What one model's page lists, parameter by parameter. A key that is absent is a parameter the page
 * does not list: the node shows no field for it and never sends it. Each key is handled by one entry
 * of the parameter registry (`parameters/index.ts`).
 */
export interface ModelParameters {
	prompt: PromptSpec;
	negativePrompt?: { maxLength: number };
	image?: ImageSpec;
	duration?: ChoiceSpec;
	aspectRatio?: ChoiceSpec;
	mode?: ChoiceSpec;
	/** `sound` on/off (default off on its page); `requiresMode` is the only mode that may turn it on. */
	sound?: { requiresMode: string };
	/** `cfg_scale` range and default. */
	cfgScale?: { min: number; max: number; default: number };
	cameraControl?: CameraControlSpec;
	/** `watermark_info.enabled`. */
	watermark?: Record<string, never>;
}

/** Whether a model turns text or an image into video. */
export type ModelKind = 'textToVideo' | 'imageToVideo';

/** One Kirin model, as its provider page describes it. */
export interface KirinModel {
	/** The API's model id, sent as `model`. */
	id: string;
	/** The page's title, shown in the Model list. */
	name: string;
	/** The page's one-line description, shown under the name. */
	description: string;
	kind: ModelKind;
	/** The first six digits of the model's error codes (the last three name the kind). */
	errorCodePrefix: string;
	parameters: ModelParameters;
}
