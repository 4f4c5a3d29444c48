"""Self-checks of lesson 04 (containers): engine, image, container; userland-only base images;
Docker Desktop's hidden VM; alternatives.

Generated with salted answer hashes (``virtlab.answers.answer_hash``): the right option is not
readable here. See ``virtlab.selfchecks`` for the format.
"""

from __future__ import annotations

from typing import Any

CHECKS: dict[str, dict[str, Any]] = {
    "l04-what-is-a-container": {
        "prompt": "Which sentence describes a container?",
        "options": [
            "The file that packs an application with its libraries and settings",
            "A running instance of an image: a sandboxed process on the host's kernel",
            "A small virtual machine with a kernel of its own",
            "The daemon that builds images and starts containers",
        ],
        "answer_hash": "c6bbbfffeb1e5ef656eb3cfda375cfebf963fbcaab6de30e0e37278082cf51a8",
        "feedback": {
            "The file that packs an application with its libraries and settings": (
                "That is the image: a template on disk. Nothing runs until the engine starts it."
            ),
            "A running instance of an image: a sandboxed process on the host's kernel": (
                "An image is started as a process that the kernel fences in (namespaces, "
                "capabilities, seccomp, AppArmor or SELinux; cgroups cap its CPU and memory); "
                "its system calls go to the host's kernel like any other process's."
            ),
            "A small virtual machine with a kernel of its own": (
                "A plain container has no kernel of its own: it shares the host's. Only "
                "special runtimes (Kata, Hyper-V isolation) wrap it in a small VM, as lesson "
                "05 shows."
            ),
            "The daemon that builds images and starts containers": (
                "That is the engine (for Docker, the dockerd daemon). It manages containers "
                "but is not one."
            ),
        },
        "multiple": False,
    },
    "l04-ubuntu-image-kernel": {
        "prompt": (
            "On a Debian host you start a container from the 'ubuntu' image. Which kernel "
            "answers the container's system calls?"
        ),
        "options": [
            "An Ubuntu kernel that ships inside the image",
            "The Debian host's kernel",
            "A kernel Docker downloads the first time the image runs",
            "No kernel: a container talks to the hardware directly",
        ],
        "answer_hash": "2f00e87687cfc2a8b0a771644a9a5c06cad865b9ddaf6426f93eae858c51845e",
        "feedback": {
            "An Ubuntu kernel that ships inside the image": (
                "Base images carry a distribution's userland (libraries, shell, package "
                "manager) but no kernel. Check it: container.kernel() in the model."
            ),
            "The Debian host's kernel": (
                "Every container on a host shares that host's kernel; the image only supplies"
                " Ubuntu's files, so the container sees Ubuntu's tools on top of Debian's "
                "kernel."
            ),
            "A kernel Docker downloads the first time the image runs": (
                "Docker downloads image layers, which hold files, never a kernel to boot."
            ),
            "No kernel: a container talks to the hardware directly": (
                "A container is an ordinary process: like every process it asks a kernel for "
                "memory, files and the network."
            ),
        },
        "multiple": False,
    },
    "l04-docker-desktop": {
        "prompt": "Docker Desktop runs Linux containers on a Mac. How does that work?",
        "options": [
            "macOS's kernel can run Linux containers natively",
            "Every Linux container brings its own Linux kernel",
            "It starts a hidden Linux VM, and the containers share that VM's kernel",
            "It converts Linux images into macOS apps",
        ],
        "answer_hash": "fcbbda2e217b6e0987e0a9245d18ff17b45c1e588085254bcc92289add644bc0",
        "feedback": {
            "macOS's kernel can run Linux containers natively": (
                "macOS runs the XNU kernel, which does not speak Linux system calls. Validate"
                " a stack with Docker directly on macOS and read the problems."
            ),
            "Every Linux container brings its own Linux kernel": (
                "Containers never bring a kernel; they use the one below them. So something "
                "must provide a Linux kernel on the Mac."
            ),
            "It starts a hidden Linux VM, and the containers share that VM's kernel": (
                "Docker Desktop runs a small Linux VM under a hypervisor; the engine and all "
                "containers live inside it, sharing its Linux kernel."
            ),
            "It converts Linux images into macOS apps": (
                "Images hold Linux binaries; nothing translates them into macOS programs."
            ),
        },
        "multiple": False,
    },
    "l04-alternatives": {
        "prompt": (
            "Which of these are maintained container engines or runtimes you could choose "
            "today? Tick all that apply."
        ),
        "options": [
            "Podman",
            "rkt",
            "containerd",
            "LXC",
            "VirtualBox",
            "runc",
        ],
        "answer_hash": "ad17da46994143682e7f5d99839063bb5fea92993a02d0b25fde1ef6e63b709e",
        "feedback": {
            "Podman": (
                "Podman is a maintained, daemonless engine that runs the same images as Docker."
            ),
            "rkt": (
                "rkt was a real container engine, but the project ended and was archived in "
                "2020: nothing new should be built on it."
            ),
            "containerd": (
                "containerd is the runtime that Docker and Kubernetes use to manage "
                "containers; it is maintained by the CNCF."
            ),
            "LXC": (
                "LXC (Linux Containers) is maintained and runs system containers on the "
                "host's Linux kernel."
            ),
            "VirtualBox": (
                "VirtualBox is a Type 2 hypervisor: it runs virtual machines, not containers."
            ),
            "runc": (
                "runc is the low-level OCI runtime that actually starts each container's process."
            ),
        },
        "multiple": True,
    },
}
