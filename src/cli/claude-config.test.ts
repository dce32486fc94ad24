import { describe, expect, it } from 'vitest';
import { type ClaudeSetup, hookCommand, isSortieHook, mergeMcpJson, mergeSettings, parseJsonObject, shellWord } from './claude-config.js';

const setup: ClaudeSetup = {
  agent: 'alice',
  tools: 'worker',
  launcher: ['/usr/bin/node', '/home/me/my tools/sortie/bin/sortie.js'],
  token: true,
  strict: false,
};

describe('claude-config', () => {
  it('quotes what a shell would split, and recognises its own hooks through the quoting', () => {
    expect(shellWord('/usr/bin/node')).toBe('/usr/bin/node');
    expect(shellWord("it's here")).toBe(`'it'\\''s here'`);
    const command = hookCommand(setup, 'Stop');
    expect(command).toBe("/usr/bin/node '/home/me/my tools/sortie/bin/sortie.js' hook stop --agent alice");
    expect(isSortieHook(command)).toBe(true);
    expect(isSortieHook('npx sortie hook session-start --agent bob')).toBe(true);
    expect(isSortieHook('echo sortie hooked')).toBe(false);
    expect(isSortieHook(undefined)).toBe(false);
  });

  it('removes an earlier Sortie hook from a group it shares with the user, keeping the user’s hook and matcher', () => {
    const existing = {
      hooks: {
        Stop: [
          {
            matcher: '',
            hooks: [
              { type: 'command', command: 'say done' },
              { type: 'command', command: 'npx sortie hook stop --agent old' },
            ],
          },
        ],
        SessionStart: [{ hooks: [{ type: 'command', command: 'npx sortie hook session-start --agent old' }] }],
      },
    };
    const commands = { SessionStart: hookCommand(setup, 'SessionStart'), Stop: hookCommand(setup, 'Stop') };
    const { value, change } = mergeSettings(existing, commands);
    expect(change).toBe('replaced');
    const hooks = value.hooks as Record<string, Array<{ matcher?: string; hooks: Array<{ command: string }> }>>;
    expect(hooks.Stop).toEqual([
      { matcher: '', hooks: [{ type: 'command', command: 'say done' }] },
      { hooks: [{ type: 'command', command: commands.Stop, timeout: 30 }] },
    ]);
    // The group that held only the old Sortie hook is gone, not left empty.
    expect(hooks.SessionStart).toEqual([{ hooks: [{ type: 'command', command: commands.SessionStart, timeout: 30 }] }]);
    expect(mergeSettings(value, commands).change).toBe('unchanged');
  });

  it('refuses what is not the shape Claude Code reads', () => {
    expect(() => parseJsonObject('.mcp.json', '[1]')).toThrow(/\.mcp\.json: not a JSON object; nothing was written/);
    expect(() => mergeMcpJson({ mcpServers: [] }, {})).toThrow(/"mcpServers" is not an object/);
    expect(() => mergeSettings({ hooks: [] }, { SessionStart: 'a', Stop: 'b' })).toThrow(/"hooks" is not an object/);
    expect(() => mergeSettings({ hooks: { Stop: [{ hooks: {} }] } }, { SessionStart: 'a', Stop: 'b' })).toThrow(/"hooks\.Stop" is not a list/);
  });
});
