/**
 * The AI Agent workflow of the agent check: Manual Trigger -> AI Agent, with an OpenAI Chat Model
 * as its model and the Kirin node as its tool. The tool's Model and Prompt are `$fromAI`
 * expressions, so the language model fills them; everything else keeps the node's defaults
 * (Generate Video, Wait and Poll), except a short poll interval for the test.
 */

/** A credential reference on a node. */
export interface CredentialRef {
	id: string;
	name: string;
}

/** The AI Agent node's name. */
export const AGENT_NODE = 'AI Agent';

/** The Kirin tool node's name (the agent names the tool after it). */
export const TOOL_NODE = 'Kirin';

/** What the agent is asked. */
export const AGENT_PROMPT =
	'Make a five second video of a paper boat drifting down a rain gutter and reply with its link.';

/** The workflow, as `n8n import:workflow` reads it. */
export interface AgentWorkflow {
	id: string;
	name: string;
	nodes: Array<Record<string, unknown>>;
	connections: Record<string, unknown>;
	settings: Record<string, unknown>;
}

/**
 * Builds the agent workflow.
 *
 * @param credentials the Kirin API credential and the OpenAI credential (pointed at the fake server)
 */
export function agentWorkflow(credentials: {
	kirin: CredentialRef;
	openAi: CredentialRef;
}): AgentWorkflow {
	const trigger = "When clicking 'Execute workflow'";
	return {
		id: 'kirinAgentTool',
		name: 'Kirin as an AI Agent tool',
		nodes: [
			{
				id: 'agent-trigger',
				name: trigger,
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				id: 'agent-agent',
				name: AGENT_NODE,
				type: '@n8n/n8n-nodes-langchain.agent',
				typeVersion: 3.1,
				position: [240, 0],
				parameters: { promptType: 'define', text: AGENT_PROMPT, options: {} },
			},
			{
				id: 'agent-model',
				name: 'OpenAI Chat Model',
				type: '@n8n/n8n-nodes-langchain.lmChatOpenAi',
				typeVersion: 1.3,
				position: [160, 220],
				parameters: {
					model: { __rl: true, mode: 'list', value: 'gpt-4o-mini' },
					options: {},
				},
				credentials: { openAiApi: credentials.openAi },
			},
			{
				id: 'agent-kirin-tool',
				name: TOOL_NODE,
				type: 'n8n-nodes-kirin.kirinTool',
				typeVersion: 1,
				position: [400, 220],
				parameters: {
					operation: 'generate',
					model:
						"={{ $fromAI('model', 'The Kirin model id: kirin_v2_6_t2v, kirin_v2_5_turbo_t2v, kirin_v2_1_master_t2v or kirin_v1_t2v', 'string') }}",
					prompt:
						"={{ $fromAI('prompt', 'What the video should show, up to 2500 characters', 'string') }}",
					options: { pollInterval: 0.5 },
				},
				credentials: { kirinApi: credentials.kirin },
			},
		],
		connections: {
			[trigger]: { main: [[{ node: AGENT_NODE, type: 'main', index: 0 }]] },
			'OpenAI Chat Model': {
				ai_languageModel: [[{ node: AGENT_NODE, type: 'ai_languageModel', index: 0 }]],
			},
			[TOOL_NODE]: { ai_tool: [[{ node: AGENT_NODE, type: 'ai_tool', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}
