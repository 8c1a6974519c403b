"""What the adapters share (HTTP in server/api/, WebSocket in server/hub/, the statistics' HTTP in
server/stats/http.py): who is calling, reading a JSON body safely, running a command through the
service and answering it. The adapters depend on this package, never on each other."""
