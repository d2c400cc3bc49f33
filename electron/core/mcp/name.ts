/** The name Governor's server has in a coding agent's MCP configuration: its tools are `mcp__governor__*`. */
export const GOVERNOR_MCP_NAME = 'governor';
