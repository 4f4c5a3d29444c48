"""The real products the course names, as data.

Every hypervisor, operating system, container engine, runtime and sample app that a lesson
mentions lives here once, with a one-line fact and where that fact comes from. The model, the
rules and the widgets read this table; nothing else hard-codes a product.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

KINDS = (
    "hypervisor",
    "os",
    "container-engine",
    "container-runtime",
    "sandbox",
    "microvm",
    "app",
)
KERNELS = ("linux", "windows", "macos")


@dataclass(frozen=True)
class Product:
    """One product of the subject.

    ``kernel`` is the kernel family of an OS, or the kernel family an app's binaries need.
    ``hosts`` lists the kernel families a hosted product (Type 2 hypervisor, engine, runtime)
    runs on. ``isolation`` is set for container runtimes: the isolation level of the boundary they
    give one container (an :class:`~virtlab.isolation.IsolationLevel` label: "container",
    "sandbox" or "vm"), and ``isolation_kind`` the way of isolating it that
    :mod:`virtlab.overhead` costs ("container", "sandbox", "kata", "hyperv-container", ...).
    ``memory_mb`` is an illustrative working-set size used by the density exercises, not a
    measurement.

    How products fit together, as data rather than special cases in the model:
    ``kernel_module`` names the kernel family a hypervisor is a module of (KVM: "linux"; it is
    installed into such an OS, which then is the hypervisor); ``root_partition`` marks a
    hypervisor that slides under the OS it is enabled in (Hyper-V); ``no_overcommit`` one that
    starts a VM only when its startup memory is free (Hyper-V); ``container_runtime`` is
    the runtime an OS's engines use when none is named (Windows 10: Hyper-V isolation);
    ``vmm_memory`` is the measurement id of the memory a hypervisor spends per VM beyond the
    VM's own memory; ``vmm`` names the VMM program that runs a hypervisor's VMs when it is not
    the product itself (KVM: QEMU), so a figure measured for that program is the hypervisor's
    own and any other figure is a stand-in (see :func:`virtlab.overhead.vmm_figure`);
    ``vcpus_within_host`` marks a hypervisor that refuses to start a VM with more virtual
    CPUs than the host has logical CPUs (ESXi, Hyper-V; KVM allows it, the vCPUs then queue).
    """

    id: str
    name: str
    kind: str
    vendor: str
    fact: str
    source: str
    hypervisor_type: int | None = None
    kernel: str | None = None
    hosts: tuple[str, ...] = ()
    isolation: str | None = None
    status: str = "active"
    memory_mb: int | None = None
    kernel_module: str | None = None
    root_partition: bool = False
    no_overcommit: bool = False
    container_runtime: str | None = None
    isolation_kind: str | None = None
    vmm_memory: str | None = None
    vmm: str | None = None
    vcpus_within_host: bool = False

    def __str__(self) -> str:
        return self.name


class UnknownProductError(ValueError):
    """Raised for a product id the catalog does not know; the message lists close ids."""


def _p(**kwargs: object) -> Product:
    return Product(**kwargs)  # type: ignore[arg-type]


_PRODUCTS: tuple[Product, ...] = (
    # --- Type 1 hypervisors -------------------------------------------------------------
    _p(
        id="hyper-v",
        root_partition=True,
        no_overcommit=True,
        # Microsoft Learn, "Hyper-V maximum scale limits" / New-VM: a VM's virtual processors
        # cannot exceed the host's logical processors.
        vcpus_within_host=True,
        vmm_memory="aga20-vmm-memory-qemu",
        name="Microsoft Hyper-V",
        kind="hypervisor",
        vendor="Microsoft",
        hypervisor_type=1,
        fact="Runs beneath Windows: once enabled, the Windows you booted becomes the "
        "privileged root partition that manages the guests.",
        source="Microsoft Learn, 'Hyper-V architecture' (Virtualization-Documentation)",
    ),
    _p(
        id="esxi",
        vmm_memory="aga20-vmm-memory-qemu",
        # VMware vSphere documentation, "Virtual CPU Limitations": a VM cannot have more
        # virtual CPUs than the host has logical CPUs.
        vcpus_within_host=True,
        name="VMware ESXi",
        kind="hypervisor",
        vendor="VMware (Broadcom)",
        hypervisor_type=1,
        fact="A bare-metal hypervisor with its own small kernel (the VMkernel); there is no "
        "general-purpose host OS underneath.",
        source="VMware vSphere documentation, 'ESXi architecture'",
    ),
    _p(
        id="citrix-hypervisor",
        vmm_memory="aga20-vmm-memory-qemu",
        name="Citrix Hypervisor",
        kind="hypervisor",
        vendor="Citrix (Cloud Software Group)",
        hypervisor_type=1,
        status="renamed back to XenServer (2023)",
        fact="Built on the Xen hypervisor; it was called XenServer before 2019 and is sold "
        "as XenServer again since 2023.",
        source="Citrix Hypervisor product documentation; XenServer 8 release notes",
    ),
    _p(
        id="xen",
        vmm_memory="aga20-vmm-memory-qemu",
        name="Xen",
        kind="hypervisor",
        vendor="Linux Foundation (Xen Project)",
        hypervisor_type=1,
        fact="An open-source bare-metal hypervisor; a privileged guest (dom0) handles devices "
        "and management.",
        source="Barham et al., 'Xen and the Art of Virtualization', SOSP 2003",
    ),
    _p(
        id="kvm",
        kernel_module="linux",
        vmm_memory="aga20-vmm-memory-qemu",
        vmm="qemu",  # AGA20 measured QEMU running KVM guests: the figure is KVM's own
        name="KVM",
        kind="hypervisor",
        vendor="Linux kernel community",
        hypervisor_type=1,
        hosts=("linux",),
        fact="A module of the Linux kernel that turns Linux itself into the hypervisor, so the "
        "hypervisor runs with full hardware privilege: that is why it usually counts as Type 1 "
        "(some authors still debate it).",
        source="Linux kernel documentation, Documentation/virt/kvm/api.rst",
    ),
    # --- Type 2 hypervisors -------------------------------------------------------------
    _p(
        id="vmware-workstation",
        vmm_memory="aga20-vmm-memory-qemu",
        name="VMware Workstation",
        kind="hypervisor",
        vendor="VMware (Broadcom)",
        hypervisor_type=2,
        hosts=("windows", "linux"),
        fact="A desktop application that runs VMs on a Windows or Linux PC; its macOS sibling "
        "is VMware Fusion.",
        source="VMware Workstation Pro documentation, 'Host system requirements'",
    ),
    _p(
        id="virtualbox",
        vmm_memory="aga20-vmm-memory-qemu",
        name="Oracle VirtualBox",
        kind="hypervisor",
        vendor="Oracle",
        hypervisor_type=2,
        hosts=("windows", "linux", "macos"),
        fact="A free, open-source hosted hypervisor that runs on Windows, Linux and macOS hosts.",
        source="Oracle VM VirtualBox User Manual, 'Supported host operating systems'",
    ),
    _p(
        id="parallels",
        vmm_memory="aga20-vmm-memory-qemu",
        name="Parallels Desktop",
        kind="hypervisor",
        vendor="Parallels (Alludo)",
        hypervisor_type=2,
        hosts=("macos",),
        fact="A hosted hypervisor for Macs, best known for running Windows on a Mac (on Apple "
        "silicon Macs mainly arm64 guests such as Windows 11 on Arm; x86 guests only in much "
        "slower emulation, since version 20.2).",
        source="Parallels Desktop for Mac documentation, system requirements; release notes 20.2",
    ),
    # --- Operating systems --------------------------------------------------------------
    _p(
        id="windows-10",
        container_runtime="hyperv-isolation",
        name="Windows 10",
        kind="os",
        vendor="Microsoft",
        kernel="windows",
        status="end of support (October 2025)",
        memory_mb=2048,
        fact="Microsoft's desktop OS; the subject's example host for a Type 2 hypervisor. "
        "Microsoft ended its support on 14 October 2025.",
        source="Microsoft Lifecycle, Windows 10 Home and Pro",
    ),
    _p(
        id="windows-server",
        container_runtime="runhcs",
        name="Windows Server",
        kind="os",
        vendor="Microsoft",
        kernel="windows",
        memory_mb=2048,
        fact="Microsoft's server OS; it runs Windows containers with process isolation by "
        "default, or with Hyper-V isolation on request. Docker starts either kind through "
        "Windows' Host Compute Service; containerd goes through runhcs.",
        source="Microsoft Learn, 'Isolation modes' (Windows containers)",
    ),
    _p(
        id="ubuntu",
        name="Ubuntu",
        kind="os",
        vendor="Canonical",
        kernel="linux",
        memory_mb=1024,
        fact="A Linux distribution; as a container base image it supplies only Ubuntu's "
        "userland (libraries and tools), never a kernel.",
        source="Ubuntu Server documentation; Docker Hub 'ubuntu' official image",
    ),
    _p(
        id="centos",
        name="CentOS",
        kind="os",
        vendor="CentOS Project (Red Hat)",
        kernel="linux",
        status="CentOS Linux ended (8 in 2021, 7 in 2024)",
        memory_mb=1024,
        fact="CentOS Linux was a rebuild of Red Hat Enterprise Linux; it ended in 2021 (version "
        "8) and 2024 (version 7). CentOS Stream now sits upstream of RHEL, and Rocky Linux and "
        "AlmaLinux took over the rebuild role.",
        source="centos.org, 'CentOS Linux EOL'",
    ),
    _p(
        id="debian",
        name="Debian",
        kind="os",
        vendor="Debian Project",
        kernel="linux",
        memory_mb=512,
        fact="A community Linux distribution, also a common container base image.",
        source="debian.org, 'About Debian'",
    ),
    _p(
        id="alpine",
        name="Alpine Linux",
        kind="os",
        vendor="Alpine Linux Development Team",
        kernel="linux",
        memory_mb=128,
        fact="A tiny Linux distribution (musl libc, BusyBox); its container image is a few MB.",
        source="alpinelinux.org, 'About'",
    ),
    _p(
        id="macos",
        name="macOS",
        kind="os",
        vendor="Apple",
        kernel="macos",
        memory_mb=4096,
        fact="Apple's OS with the XNU kernel; it cannot run Linux containers itself, so Docker "
        "Desktop on a Mac runs them inside a hidden Linux VM.",
        source="Docker documentation, 'Docker Desktop for Mac: how it works'",
    ),
    # --- Container engines --------------------------------------------------------------
    _p(
        id="docker",
        name="Docker Engine",
        kind="container-engine",
        vendor="Docker Inc.",
        hosts=("linux", "windows"),
        memory_mb=100,
        fact="The Docker daemon (dockerd) builds images and runs containers; on Linux it hands "
        "them to containerd and runc, on Windows it calls Windows' Host Compute Service (HCS) "
        "directly, through Microsoft's hcsshim library.",
        source="Docker documentation, 'Docker overview'; Microsoft Learn, 'Windows container "
        "platform'",
    ),
    _p(
        id="podman",
        name="Podman",
        kind="container-engine",
        vendor="Red Hat and community",
        hosts=("linux",),
        fact="A Docker-compatible engine with no central daemon: each container is watched by "
        "its own small monitor process (conmon) and can run rootless; on macOS and Windows it "
        "runs a Linux VM (podman machine).",
        source="podman.io documentation, 'What is Podman?'",
    ),
    _p(
        id="lxc",
        name="LXC",
        kind="container-engine",
        vendor="Linux Containers project",
        hosts=("linux",),
        fact="Linux Containers: system containers that boot a whole distribution's userland "
        "on the host's Linux kernel.",
        source="linuxcontainers.org, 'LXC introduction'",
    ),
    _p(
        id="rkt",
        name="rkt",
        kind="container-engine",
        vendor="CoreOS (Red Hat)",
        hosts=("linux",),
        status="archived (2020)",
        fact="CoreOS's pod-native container engine; the project ended and its repository was "
        "archived in 2020, so do not start anything new on it.",
        source="CNCF blog, 'CNCF to archive the rkt project' (August 2019); rkt/rkt on GitHub",
    ),
    _p(
        id="containerd",
        name="containerd",
        kind="container-runtime",
        vendor="CNCF",
        hosts=("linux", "windows"),
        fact="The high-level runtime that manages images and container lifecycles for Docker "
        "and Kubernetes; it calls a low-level runtime such as runc.",
        source="containerd.io documentation",
    ),
    _p(
        id="runc",
        isolation_kind="container",
        name="runc",
        kind="container-runtime",
        vendor="Open Container Initiative",
        hosts=("linux",),
        isolation="container",
        fact="The reference OCI runtime: it sets up namespaces, cgroups, capabilities, seccomp "
        "and the AppArmor or SELinux profile, then starts the container's process on the host "
        "kernel.",
        source="opencontainers/runc README",
    ),
    _p(
        id="runhcs",
        isolation_kind="container",
        name="runhcs",
        kind="container-runtime",
        vendor="Microsoft",
        hosts=("windows",),
        isolation="container",
        fact="Microsoft's Windows counterpart of runc, driving the Host Compute Service; in "
        "this course the id runhcs stands for process isolation, where Windows containers "
        "share the host's kernel.",
        source="microsoft/hcsshim repository, cmd/runhcs README",
    ),
    # --- Sandboxes and microVMs ---------------------------------------------------------
    _p(
        id="gvisor",
        isolation_kind="sandbox",
        name="gVisor",
        kind="sandbox",
        vendor="Google",
        hosts=("linux",),
        isolation="sandbox",
        fact="A user-space kernel (the Sentry) answers the container's system calls itself and "
        "uses only a small set of host system calls.",
        source="gvisor.dev documentation; Anjali et al., VEE 2020, Table 1",
    ),
    _p(
        id="kata",
        isolation_kind="kata",
        name="Kata Containers",
        kind="container-runtime",
        vendor="OpenInfra Foundation (Linux Foundation)",
        hosts=("linux",),
        isolation="vm",
        fact="Runs each container (or pod) in a lightweight VM with its own guest kernel, "
        "behind the usual container tooling.",
        source="katacontainers.io, 'Architecture'",
    ),
    _p(
        id="firecracker",
        vmm_memory="aga20-vmm-memory-firecracker",
        name="Firecracker",
        kind="microvm",
        vendor="Amazon Web Services",
        hosts=("linux",),
        fact="A minimal virtual machine monitor on KVM with a deliberately small device model "
        "(5 emulated devices in the 2020 paper; later releases add a few); "
        "its specification promises at most 125 ms from the API call that starts a "
        "configured microVM to guest init, and it runs AWS Lambda and "
        "Fargate. Guests are Linux.",
        source="Agache et al., NSDI 2020; Firecracker SPECIFICATION.md, FAQ.md and docs/",
    ),
    _p(
        id="hyperv-isolation",
        isolation_kind="hyperv-container",
        name="Windows Hyper-V isolation",
        kind="container-runtime",
        vendor="Microsoft",
        hosts=("windows",),
        isolation="vm",
        fact="Runs each Windows container in a small utility VM with its own Windows kernel, "
        "instead of sharing the host's kernel; the default on Windows 10 and 11.",
        source="Microsoft Learn, 'Isolation modes' (Windows containers)",
    ),
    # --- Apps (container images or plain processes) -------------------------------------
    _p(
        id="nginx",
        name="nginx",
        kind="app",
        vendor="F5 / nginx community",
        kernel="linux",
        memory_mb=16,
        fact="A web server and reverse proxy; a favourite first container.",
        source="nginx.org documentation",
    ),
    _p(
        id="postgres",
        name="PostgreSQL",
        kind="app",
        vendor="PostgreSQL Global Development Group",
        kernel="linux",
        memory_mb=256,
        fact="A relational database server.",
        source="postgresql.org documentation",
    ),
    _p(
        id="redis",
        name="Redis",
        kind="app",
        vendor="Redis Ltd. and community",
        kernel="linux",
        memory_mb=64,
        fact="An in-memory key-value store.",
        source="redis.io documentation",
    ),
    _p(
        id="python-web",
        name="Python web app",
        kind="app",
        vendor="(your own code)",
        kernel="linux",
        memory_mb=128,
        fact="A small web application in Python (for example Flask behind gunicorn).",
        source="Flask documentation, 'Deploying to production'",
    ),
    _p(
        id="iis",
        name="IIS web server",
        kind="app",
        vendor="Microsoft",
        kernel="windows",
        memory_mb=128,
        fact="Microsoft's web server; its container image needs a Windows kernel.",
        source="Microsoft Artifact Registry, 'mcr.microsoft.com/windows/servercore/iis'",
    ),
)

_BY_ID: dict[str, Product] = {p.id: p for p in _PRODUCTS}


def ids() -> list[str]:
    """Every product id, in catalog order."""
    return list(_BY_ID)


def get(product_id: str) -> Product:
    """Return the product with this id; an unknown id raises with the closest known ids."""
    if isinstance(product_id, Product):
        return product_id
    try:
        return _BY_ID[product_id]
    except (KeyError, TypeError):
        pass
    text = str(product_id)
    close = difflib.get_close_matches(text.lower(), _BY_ID, n=3, cutoff=0.5)
    close += [i for i in _BY_ID if text.lower() and text.lower() in i and i not in close][:3]
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise UnknownProductError(f"Unknown product {text!r}.{hint} Every id: virtlab.catalog.ids().")


def all(  # noqa: A001 - the DESIGN contract names it catalog.all
    kind: str | Iterable[str] | None = None,
    hypervisor_type: int | None = None,
    kernel: str | None = None,
) -> list[Product]:
    """Products filtered by kind (one or several), hypervisor type and kernel family."""
    kinds = {kind} if isinstance(kind, str) else set(kind) if kind is not None else None
    if kinds is not None and not kinds <= set(KINDS):
        raise ValueError(f"Unknown kind(s) {sorted(kinds - set(KINDS))}; choose from {KINDS}.")
    return [
        p
        for p in _PRODUCTS
        if (kinds is None or p.kind in kinds)
        and (hypervisor_type is None or p.hypervisor_type == hypervisor_type)
        and (kernel is None or p.kernel == kernel)
    ]
