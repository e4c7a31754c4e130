from esctl.cli import app

app(prog_name="esctl")
