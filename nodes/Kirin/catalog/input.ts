import type { BinaryImage } from './binaryImage';
import type { KirinModel } from './types';

/**
 * A reference image as the user gave it. A URL is passed through to the API. Base64 text is in the
 * item already: it carries its bytes, so the page's image rules can be checked before any paid
 * call, and the bare Base64 (no `data:` prefix) that is sent. A binary file carries only what one
 * pass over it told (size in bytes, format, pixel size, fingerprint): it is read again to be sent,
 * when its item's task is created.
 */
export type ImageInput =
	| { source: 'url'; url: string }
	| { source: 'base64'; base64: string; bytes: Buffer }
	| { source: 'binary'; image: BinaryImage };

/**
 * One item's Generate Video parameters after expressions were resolved, before any check. Every
 * value is `unknown` where an expression can put anything in it; a key is undefined when the field
 * is not shown for the model or was left empty. The parameter keys are those of `ModelParameters`.
 */
export interface GenerateInput {
	model: KirinModel;
	prompt?: unknown;
	negativePrompt?: unknown;
	image?: ImageInput;
	duration?: unknown;
	aspectRatio?: unknown;
	mode?: unknown;
	sound?: unknown;
	cfgScale?: unknown;
	/** `type` is a camera control type or `none`; axis and value only for `simple`. */
	cameraControl?: { type: unknown; axis?: unknown; value?: unknown };
	watermark?: unknown;
	callbackUrl?: unknown;
	externalTaskId?: unknown;
}

/**
 * The parameters of one item, checked and normalised: strings where the API wants strings, numbers
 * where it wants numbers, booleans for on/off switches. Only parameters the model's page lists and the
 * user set are present.
 */
export interface CheckedInput {
	model: KirinModel;
	prompt?: string;
	negativePrompt?: string;
	/** A URL or bare Base64; a binary file stays a {@link BinaryImage} until its task is created. */
	image?: string | BinaryImage;
	duration?: string;
	aspectRatio?: string;
	mode?: string;
	sound?: boolean;
	cfgScale?: number;
	cameraControl?: { type: string; config?: Record<string, number> };
	watermark?: boolean;
	callbackUrl?: string;
	externalTaskId?: string;
}
