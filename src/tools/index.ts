/** What agents may do: the tools, their registry and permissions, and the sandbox they share. */
export * from './types';
export { defineTool, ToolError, jsonSchemaOf } from './define';
export { resolveInWorktree, truncateOutput, SandboxError, type TruncateOptions } from './sandbox';
export { READ_TOOLS, EDIT_TOOLS, KERNEL_TOOLS, MESSAGE_TOOLS, SLM_TOOLS, ROLE_TOOLS, SHELL_ROLES, WRITE_SCOPES, assertWritable } from './permissions';
export { ToolRegistry, defaultRegistry, runTool, toolsFor, type ToolRegistryOptions } from './registry';
export { createKernelTools, realHarness, type KernelHarness } from './kernel';
export { mapCFiles, cParser, type FileMap, type MapEntry } from './repoMap';
export { searchFiles, type SearchHit, type SearchQuery, type SearchResult } from './search';
export { sendMessage, readMessages, runMessagesDir, BROADCAST, type AgentMessage } from './messages';
export { splitCommandLine } from './shell';
export { createSlmTools, checkVariant, datasetCard, DEFAULT_SLM_LIMITS, type SlmLimits, type SlmToolOptions, type VariantReport } from './slm';
