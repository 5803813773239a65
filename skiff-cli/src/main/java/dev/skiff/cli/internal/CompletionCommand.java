package dev.skiff.cli.internal;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code skiff completion}: a completion script for bash and zsh. */
@Command(
    name = "completion",
    description = {
      "Print a shell completion script for bash and zsh (commands, subcommands and options).",
      "Try it:        source <(skiff completion)",
      "Keep it, bash: skiff completion > ~/.local/share/bash-completion/completions/skiff",
      "Keep it, zsh:  add 'autoload -U +X bashcompinit && bashcompinit; source <(skiff completion)' to ~/.zshrc"
    })
public final class CompletionCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().getOut().print(AutoComplete.bash("skiff", spec.root().commandLine()));
    spec.commandLine().getOut().flush();
    return 0;
  }
}
