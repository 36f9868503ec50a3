## completion/: bash completion for migcompat(1), installed where
## bash-completion loads it on demand.

bashcompletiondir = $(datadir)/bash-completion/completions
dist_bashcompletion_DATA = completion/migcompat
