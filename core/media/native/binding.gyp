{
  "targets": [
    {
      "target_name": "rvoip_udp",
      "sources": ["rvoip_udp.c", "rvoip_udp_io.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-fvisibility=hidden"],
      "conditions": [["OS!='linux'", { "type": "none" }]]
    }
  ]
}
