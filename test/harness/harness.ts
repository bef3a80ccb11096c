import { resolve } from 'path';

// Sets N8N_USER_FOLDER before n8n-core is first loaded.
import './setup';

import { ExecutionLifecycleHooks, PackageDirectoryLoader, WorkflowExecute } from 'n8n-core';
import {
	ICredentialsHelper,
	NodeHelpers,
	Workflow,
	type ICredentialDataDecryptedObject,
	type ICredentials,
	type ICredentialType,
	type IDataObject,
	type IHttpRequestOptions,
	type INode,
	type INodeExecutionData,
	type INodeProperties,
	type INodeType,
	type INodeTypes,
	type IRun,
	type IVersionedNodeType,
	type IWorkflowBase,
	type IWorkflowExecuteAdditionalData,
	type IConnections,
} from 'n8n-workflow';

import { Items, ManualTrigger } from './nodes';

/** The package root, whose package.json `n8n` section names the built node and credential. */
export const PACKAGE_ROOT = resolve(__dirname, '..', '..');

/** Node types the test workflows use: the built package's plus the harness's stand-ins. */
export class HarnessNodeTypes implements INodeTypes {
	constructor(private readonly types: Record<string, INodeType | IVersionedNodeType>) {}

	getByName(nodeType: string): INodeType | IVersionedNodeType {
		const type = this.types[nodeType];
		if (!type) throw new Error(`Unknown node type ${nodeType}`);
		return type;
	}

	getByNameAndVersion(nodeType: string, version?: number): INodeType {
		return NodeHelpers.getVersionedNodeType(this.getByName(nodeType), version);
	}

	getKnownTypes(): IDataObject {
		return {};
	}
}

/** The built package, loaded as n8n loads a community package (`PackageDirectoryLoader`). */
export interface LoadedPackage {
	nodeTypes: HarnessNodeTypes;
	credentialTypes: Record<string, ICredentialType>;
}

let loaded: Promise<LoadedPackage> | undefined;

/**
 * Loads `dist/` through n8n-core's `PackageDirectoryLoader` (reads package.json's `n8n` section), once
 * per process. Node types are registered as `n8n-nodes-kirin.<name>`.
 */
export function loadPackage(): Promise<LoadedPackage> {
	loaded ??= (async () => {
		const loader = new PackageDirectoryLoader(PACKAGE_ROOT);
		await loader.loadAll();
		const types: Record<string, INodeType | IVersionedNodeType> = {
			'n8n-nodes-base.manualTrigger': new ManualTrigger(),
			'test.items': new Items(),
		};
		for (const [name, data] of Object.entries(loader.nodeTypes)) {
			types[`${loader.packageName}.${name}`] = data.type;
		}
		const credentialTypes: Record<string, ICredentialType> = {};
		for (const [name, data] of Object.entries(loader.credentialTypes))
			credentialTypes[name] = data.type;
		return { nodeTypes: new HarnessNodeTypes(types), credentialTypes };
	})();
	return loaded;
}

/**
 * Credentials for the harness, applied as the n8n server applies them: the credential type's
 * declarative `authenticate` (`type: 'generic'`), with `={{$credentials.x}}` values resolved.
 */
export class HarnessCredentialsHelper extends ICredentialsHelper {
	constructor(
		private readonly data: Record<string, ICredentialDataDecryptedObject>,
		private readonly types: Record<string, ICredentialType>,
	) {
		super();
	}

	getParentTypes(): string[] {
		return [];
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		const authenticate = this.types[typeName]?.authenticate;
		if (!authenticate) return requestOptions;
		if (typeof authenticate === 'function') return await authenticate(credentials, requestOptions);
		const resolveValue = (value: string) =>
			value
				.replace(/^=/, '')
				.replace(/\{\{\s*\$credentials\.(\w+)\s*\}\}/g, (_, key: string) =>
					String(credentials[key] ?? ''),
				);
		const headers = (authenticate.properties.headers ?? {}) as Record<string, string>;
		requestOptions.headers = { ...(requestOptions.headers ?? {}) };
		for (const [name, value] of Object.entries(headers))
			requestOptions.headers[name] = resolveValue(value);
		return requestOptions;
	}

	async preAuthentication(): Promise<undefined> {
		return undefined;
	}

	async runPreAuthentication(): Promise<undefined> {
		return undefined;
	}

	async getCredentials(): Promise<ICredentials> {
		throw new Error('not used by the harness');
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		_nodeCredentials: unknown,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		const credentials = this.data[type];
		if (!credentials) throw new Error(`No credentials of type ${type} in the harness`);
		return { ...credentials };
	}

	async updateCredentials(): Promise<void> {}

	async updateCredentialsOauthTokenData(): Promise<void> {}

	getCredentialsProperties(type: string): INodeProperties[] {
		return this.types[type]?.properties ?? [];
	}
}

/** A workflow to run: nodes and connections as in n8n's workflow JSON. */
export interface WorkflowJson {
	id?: string;
	name?: string;
	nodes: INode[];
	connections: IConnections;
}

/**
 * An n8n `Workflow` of `json` with the loaded package's node types and execution order v1; `id` and
 * `name` are used where `json` has none, `staticData` (kept between trigger calls) starts empty.
 */
export async function buildWorkflow(
	json: WorkflowJson,
	defaults: { id: string; name: string; active: boolean },
): Promise<Workflow> {
	const { nodeTypes } = await loadPackage();
	return new Workflow({
		id: json.id ?? defaults.id,
		name: json.name ?? defaults.name,
		nodes: json.nodes,
		connections: json.connections,
		active: defaults.active,
		nodeTypes,
		staticData: {},
		settings: { executionOrder: 'v1' },
	});
}

/** What {@link startWorkflow} gives back. */
export interface StartedRun {
	/** Resolves with n8n's run result when the execution ends. */
	done: Promise<IRun>;
	/** Stops the execution, as the Stop button does (n8n-core's `PCancelable.cancel`). */
	cancel: () => void;
	workflow: Workflow;
	executionId: string;
	additionalData: IWorkflowExecuteAdditionalData;
}

let executionCounter = 0;

/**
 * Builds the `additionalData` n8n-core needs to run a workflow outside the n8n server: hooks,
 * execution id, the waiting and form base URLs (`$execution.resumeUrl` needs them), and a
 * credentials helper for `httpRequestWithAuthentication`.
 */
export function makeAdditionalData(
	credentials: Record<string, ICredentialDataDecryptedObject>,
	credentialTypes: Record<string, ICredentialType>,
	workflowData: IWorkflowBase,
	executionId: string,
	webhookBaseUrl = 'http://127.0.0.1:5678',
): IWorkflowExecuteAdditionalData {
	return {
		credentialsHelper: new HarnessCredentialsHelper(credentials, credentialTypes),
		hooks: new ExecutionLifecycleHooks('manual', executionId, workflowData),
		executionId,
		currentNodeExecutionIndex: 0,
		restApiUrl: `${webhookBaseUrl}/rest`,
		instanceBaseUrl: webhookBaseUrl,
		formBaseUrl: `${webhookBaseUrl}/form`,
		formWaitingBaseUrl: `${webhookBaseUrl}/form-waiting`,
		formTestBaseUrl: `${webhookBaseUrl}/form-test`,
		webhookBaseUrl: `${webhookBaseUrl}/webhook`,
		webhookWaitingBaseUrl: `${webhookBaseUrl}/webhook-waiting`,
		webhookTestBaseUrl: `${webhookBaseUrl}/webhook-test`,
		mcpBaseUrl: `${webhookBaseUrl}/mcp`,
		mcpTestBaseUrl: `${webhookBaseUrl}/mcp-test`,
		variables: {},
		logAiEvent: () => {},
		executeWorkflow: async () => {
			throw new Error('not supported by the harness');
		},
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		startRunnerTask: async () => {
			throw new Error('not supported by the harness');
		},
	} as unknown as IWorkflowExecuteAdditionalData;
}

/**
 * Starts a real n8n workflow execution in this process with n8n-core's `WorkflowExecute` (the
 * engine the n8n server runs), from the workflow's Manual Trigger.
 *
 * @param json the workflow; node types `n8n-nodes-kirin.kirin`, `n8n-nodes-base.manualTrigger`,
 *   `test.items`
 * @param credentials decrypted credential data by type, e.g. `{kirinApi: {apiKey, baseUrl}}`
 * @param executionId the execution id (a new one by default)
 * @param webhookBaseUrl the n8n base URL the resume URL is built on (see `webhooks.ts`)
 * @param published run the workflow as a published one (active, started in `webhook` mode, as a
 *   production webhook starts it) instead of a manual execution from the editor
 */
export async function startWorkflow(
	json: WorkflowJson,
	credentials: Record<string, ICredentialDataDecryptedObject>,
	executionId = `test-${process.pid}-${++executionCounter}-${Date.now()}`,
	webhookBaseUrl?: string,
	published = false,
): Promise<StartedRun> {
	const { credentialTypes } = await loadPackage();
	const workflow = await buildWorkflow(json, {
		id: 'wf-test',
		name: 'Kirin test',
		active: published,
	});
	const workflowData = {
		id: workflow.id,
		name: workflow.name,
		nodes: json.nodes,
		connections: json.connections,
		active: published,
		settings: { executionOrder: 'v1' },
		createdAt: new Date(),
		updatedAt: new Date(),
		isArchived: false,
		activeVersionId: null,
	} as unknown as IWorkflowBase;
	const additionalData = makeAdditionalData(
		credentials,
		credentialTypes,
		workflowData,
		executionId,
		webhookBaseUrl,
	);
	const trigger = json.nodes.find((node) => node.type === 'n8n-nodes-base.manualTrigger');
	const execution = new WorkflowExecute(additionalData, published ? 'webhook' : 'manual').run({
		workflow,
		startNode: trigger,
	});
	return {
		done: execution,
		cancel: () => execution.cancel(),
		workflow,
		executionId,
		additionalData,
	};
}

/**
 * Runs a workflow to its end (see {@link startWorkflow}).
 *
 * @returns n8n's run result
 */
export async function runWorkflow(
	json: WorkflowJson,
	credentials: Record<string, ICredentialDataDecryptedObject>,
	executionId?: string,
): Promise<IRun> {
	const started = await startWorkflow(json, credentials, executionId);
	return await started.done;
}

/**
 * The items a node output in a finished run (its last run, first output).
 *
 * @throws when the node did not run
 */
export function outputOf(run: IRun, nodeName: string): INodeExecutionData[] {
	const runs = run.data.resultData.runData[nodeName];
	if (!runs?.length) throw new Error(`Node "${nodeName}" did not run`);
	return runs[runs.length - 1].data?.main?.[0] ?? [];
}

/** The error a node ended with in a run, if any. */
export function errorOf(run: IRun, nodeName: string): (Error & IDataObject) | undefined {
	const runs = run.data.resultData.runData[nodeName];
	return (runs?.[runs.length - 1]?.error as (Error & IDataObject) | undefined) ?? undefined;
}
