// One container as the profiles read it: parsed image, argv, shell wrapper, shell commands and
// program lookups, each computed at most once. `createCatalog(...).recognize` builds one view per
// container and hands it to every profile, so fifteen profiles no longer re-parse the same image
// and command line fifteen times (the costliest part of building a pod model, see
// docs/adr/0009-lint-reads-data-from-the-cst.md). Pure: the view reads the container object it was
// made for and nothing else; it belongs to one recognition call and is not kept.
import type { Container } from 'kubernetes-types/core/v1';
import { argv, basename, commandPrograms, programIn, type CommandProgram, shellCommands, shellWrapper, type ArgToken, type ProgramArgs, type ShellWrapper } from './flags';
import { imageName, parseImage, type ImageRef } from './image';

export interface ContainerView {
  readonly container: Container;
  /** `parseImage(container.image)`. */
  readonly image: ImageRef | undefined;
  /** `imageName(image)`: the last path component, lower-cased. */
  readonly imageName: string;
  /** `argv(container)`. */
  readonly argv: readonly ArgToken[];
  /** `basename` of each argv word: every profile looks for its binary among them. */
  readonly argvNames: readonly string[];
  /** `shellWrapper(container)`. */
  readonly shell: ShellWrapper | undefined;
  /** `shellCommands(shell.script)`, or [] without a shell wrapper. */
  readonly shellCommands: readonly (readonly string[])[];
  /** `findProgram(container, binaries, opts)`. */
  program(binaries: readonly string[], opts?: { readonly entrypoint?: boolean }): ProgramArgs | undefined;
}

// Plain fields rather than #private ones: transpilers for older targets turn those into WeakMaps.
class View implements ContainerView {
  private imageRef: { v: ImageRef | undefined } | undefined;
  private words: ArgToken[] | undefined;
  private names: string[] | undefined;
  private wrapper: { v: ShellWrapper | undefined } | undefined;
  private commands: string[][] | undefined;
  private programs: CommandProgram[] | undefined;
  constructor(readonly container: Container) {}
  get image(): ImageRef | undefined { return (this.imageRef ??= { v: parseImage(this.container.image) }).v; }
  get imageName(): string { return imageName(this.image); }
  get argv(): readonly ArgToken[] { return (this.words ??= argv(this.container)); }
  get argvNames(): readonly string[] { return (this.names ??= this.argv.map((w) => basename(w.value))); }
  get shell(): ShellWrapper | undefined { return (this.wrapper ??= { v: shellWrapper(this.container, this.argv) }).v; }
  get shellCommands(): readonly (readonly string[])[] {
    if (!this.commands) { const sh = this.shell; this.commands = sh ? shellCommands(sh.script) : []; }
    return this.commands;
  }
  program(binaries: readonly string[], opts: { readonly entrypoint?: boolean } = {}): ProgramArgs | undefined {
    // not remembered: with argv and the shell commands at hand, the lookup is a short loop
    const shell = this.shell;
    const commands = this.shellCommands;
    if (shell) this.programs ??= commandPrograms(commands);
    return programIn({ container: this.container, words: this.argv, names: this.argvNames, shell, commands, programs: this.programs, binaries, entrypoint: !!opts.entrypoint });
  }
}

export function containerView(container: Container): ContainerView {
  return new View(container);
}
