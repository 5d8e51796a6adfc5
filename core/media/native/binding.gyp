{
  "targets": [
    {
      "target_name": "rvoip_udp",
      "sources": ["rvoip_udp.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [["OS!='linux'", { "type": "none" }]]
    }
  ]
}
