"""One module per stage of dvc.yaml: parse the arguments dvc.yaml gives, load the stage's params
block, read the inputs, call the layers' pure functions, write the outputs. Nothing else."""
