import pytest

import virtlab as vl
from virtlab import catalog

REQUIRED = {
    "hyper-v": ("hypervisor", 1),
    "esxi": ("hypervisor", 1),
    "citrix-hypervisor": ("hypervisor", 1),
    "kvm": ("hypervisor", 1),
    "xen": ("hypervisor", 1),
    "vmware-workstation": ("hypervisor", 2),
    "virtualbox": ("hypervisor", 2),
    "parallels": ("hypervisor", 2),
    "docker": ("container-engine", None),
    "lxc": ("container-engine", None),
    "rkt": ("container-engine", None),
    "podman": ("container-engine", None),
    "containerd": ("container-runtime", None),
    "runc": ("container-runtime", None),
    "runhcs": ("container-runtime", None),
    "gvisor": ("sandbox", None),
    "kata": ("container-runtime", None),
    "firecracker": ("microvm", None),
    "hyperv-isolation": ("container-runtime", None),
}
OSES = {
    "windows-10": "windows",
    "windows-server": "windows",
    "ubuntu": "linux",
    "centos": "linux",
    "debian": "linux",
    "alpine": "linux",
    "macos": "macos",
}


@pytest.mark.parametrize("pid,expected", REQUIRED.items())
def test_every_product_of_the_subject_is_classified(pid, expected):
    product = catalog.get(pid)
    assert (product.kind, product.hypervisor_type) == expected


@pytest.mark.parametrize("pid,kernel", OSES.items())
def test_every_os_has_its_kernel_family(pid, kernel):
    product = catalog.get(pid)
    assert product.kind == "os" and product.kernel == kernel


def test_sample_apps_exist():
    apps = {p.id for p in catalog.all(kind="app")}
    assert {"nginx", "postgres", "redis", "python-web"} <= apps


def test_every_product_has_a_fact_and_a_source():
    for product in catalog.all():
        assert product.kind in catalog.KINDS
        assert len(product.fact) > 20, product.id
        assert product.source.strip(), product.id
        assert product.name.strip(), product.id


def test_rkt_is_marked_archived():
    assert catalog.get("rkt").status.startswith("archived")


def test_filters():
    type1 = {p.id for p in vl.catalog.all(kind="hypervisor", hypervisor_type=1)}
    assert type1 == {"hyper-v", "esxi", "citrix-hypervisor", "kvm", "xen"}
    assert {p.id for p in catalog.all(kernel="windows")} >= {"windows-10", "iis"}
    with pytest.raises(ValueError, match="Unknown kind"):
        catalog.all(kind="spaceship")


def test_unknown_id_lists_close_ids():
    with pytest.raises(vl.UnknownProductError, match="Did you mean: docker"):
        catalog.get("dokcer")
    with pytest.raises(ValueError, match="virtlab.catalog.ids"):
        catalog.get("zzzzzz")


def test_ids_are_unique_and_kebab_case():
    ids = catalog.ids()
    assert len(ids) == len(set(ids))
    assert all(i == i.lower() and " " not in i for i in ids)
