{
  "targets": [
    {
      "target_name": "netstat_native",
      "sources": [
        "native/binding.cc",
        "native/bpf_owners.cc",
        "native/btf.cc",
        "native/destroy_monitor.cc",
        "native/dump_check.cc",
        "native/interface_ioctl.cc",
        "native/netlink.cc",
        "native/netns.cc",
        "native/proc_fds.cc",
        "native/rtnetlink.cc",
        "native/sock_diag.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"],
      "cflags": ["-Wall", "-Wextra", "-pthread"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-pthread"],
      "ldflags": ["-pthread"]
    }
  ]
}
