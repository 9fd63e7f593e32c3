#!/usr/bin/python3
"""The official Python Kubernetes client (Debian's python3-kubernetes) against `mcpsim serve`:
list, create, patch, read status and watch, as a controller written in Python would."""
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

MCPSIM = sys.argv.pop(1) if len(sys.argv) > 1 else "build/sim/mcpsim"


class PythonClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="mcpsim-py")
        kubeconfig = os.path.join(cls.tmp, "kubeconfig")
        out = open(os.path.join(cls.tmp, "stdout"), "w+")
        cls.server = subprocess.Popen([MCPSIM, "serve", "--world", "bare", "--port", "0", "--kubeconfig", kubeconfig],
                                      stdout=out, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline:
            out.seek(0)
            if "ready" in out.readline():
                break
            time.sleep(0.01)
        config.load_kube_config(config_file=kubeconfig)
        cls.core = client.CoreV1Api()
        cls.custom = client.CustomObjectsApi()

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.wait(timeout=10)

    def test_list_namespaces(self):
        names = [n.metadata.name for n in self.core.list_namespace().items]
        self.assertIn("default", names)
        self.assertIn("kube-system", names)

    def test_create_read_and_conflict(self):
        body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py-cm"), data={"k": "v"})
        created = self.core.create_namespaced_config_map("default", body)
        self.assertEqual(created.data, {"k": "v"})
        self.assertTrue(created.metadata.uid)
        read = self.core.read_namespaced_config_map("py-cm", "default")
        self.assertEqual(read.metadata.resource_version, created.metadata.resource_version)
        with self.assertRaises(ApiException) as err:
            self.core.create_namespaced_config_map("default", body)
        self.assertEqual(err.exception.status, 409)
        status = json.loads(err.exception.body)
        self.assertEqual(status["reason"], "AlreadyExists")
        self.assertEqual(status["message"], 'configmaps "py-cm" already exists')

    def test_custom_resource_defaults_and_status(self):
        body = {"apiVersion": "mcp.kagenti.com/v1alpha1", "kind": "MCPServerRegistration",
                "metadata": {"name": "py-srv"}, "spec": {"targetRef": {"name": "route"}}}
        created = self.custom.create_namespaced_custom_object(
            "mcp.kagenti.com", "v1alpha1", "default", "mcpserverregistrations", body)
        self.assertEqual(created["spec"]["path"], "/mcp")
        self.assertEqual(created["metadata"]["generation"], 1)
        status = {"status": {"discoveredTools": 2}}
        patched = self.custom.patch_namespaced_custom_object_status(
            "mcp.kagenti.com", "v1alpha1", "default", "mcpserverregistrations", "py-srv", status)
        self.assertEqual(patched["status"]["discoveredTools"], 2)
        self.assertEqual(patched["metadata"]["generation"], 1)  # status writes keep the generation

    def test_watch_sees_changes(self):
        events = []
        start = self.core.list_namespaced_config_map("default").metadata.resource_version

        def consume():
            w = watch.Watch()
            for ev in w.stream(self.core.list_namespaced_config_map, "default",
                               resource_version=start, timeout_seconds=10):
                if ev["object"].metadata.name == "py-watched":
                    events.append(ev["type"])
                if len(events) == 3:
                    w.stop()

        t = threading.Thread(target=consume)
        t.start()
        time.sleep(0.5)
        self.core.create_namespaced_config_map(
            "default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py-watched")))
        self.core.patch_namespaced_config_map("py-watched", "default", {"data": {"a": "b"}})
        self.core.delete_namespaced_config_map("py-watched", "default")
        t.join(timeout=15)
        self.assertEqual(events, ["ADDED", "MODIFIED", "DELETED"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
