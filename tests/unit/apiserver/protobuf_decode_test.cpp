// Tests for the Kubernetes protobuf request-body decoder.
//
// The strongest checks are the captured vectors: real bodies kubectl 1.33 sent (protobuf; 1.32
// sends identical bytes) next to the JSON kubectl 1.31 sent for the same command. The decoder
// must turn the first into the second.
#include "protobuf_decode.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <ostream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>

namespace mcpsim::apiserver {
namespace {

using nlohmann::json;

// Minimal protobuf encoder for building test inputs field by field.
class Pb {
  public:
    Pb& varint(uint32_t field, uint64_t value) {
        key(field, 0);
        raw(value);
        return *this;
    }
    Pb& str(uint32_t field, std::string_view value) {
        key(field, 2);
        raw(value.size());
        bytes_ += value;
        return *this;
    }
    Pb& msg(uint32_t field, const Pb& value) { return str(field, value.bytes_); }
    // A map<string, string|bytes> entry.
    Pb& entry(uint32_t field, std::string_view k, std::string_view v) {
        return msg(field, Pb().str(1, k).str(2, v));
    }
    Pb& key(uint32_t field, int wireType) {
        raw((uint64_t{field} << 3) | static_cast<uint64_t>(wireType));
        return *this;
    }
    Pb& raw(uint64_t value) {
        while (value >= 0x80) {
            bytes_ += static_cast<char>((value & 0x7f) | 0x80);
            value >>= 7;
        }
        bytes_ += static_cast<char>(value);
        return *this;
    }
    Pb& append(std::string_view bytes) {
        bytes_ += bytes;
        return *this;
    }
    const std::string& bytes() const { return bytes_; }

  private:
    std::string bytes_;
};

const std::string kMagic("k8s\0", 4);

// magic + runtime.Unknown{typeMeta, raw, contentEncoding "", contentType ""}, as kubectl sends.
std::string envelope(std::string_view apiVersion, std::string_view kind, const Pb& object) {
    return kMagic + Pb().msg(1, Pb().str(1, apiVersion).str(2, kind))
                        .msg(2, object)
                        .str(3, "")
                        .str(4, "")
                        .bytes();
}

// ObjectMeta as kubectl writes it: every value field present, zero timestamp as empty message.
Pb meta(std::string_view name) {
    return Pb()
        .str(1, name)
        .str(2, "")
        .str(3, "")
        .str(4, "")
        .str(5, "")
        .str(6, "")
        .varint(7, 0)
        .str(8, "");
}

std::string fromHex(std::string_view hex) {
    std::string out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) {
        out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
    }
    return out;
}

// Go writes a zero metav1.Time as null; the decoder omits it instead. Drop nulls to compare.
json withoutNulls(json j) {
    if (j.is_object()) {
        json out = json::object();
        for (auto& [k, v] : j.items()) {
            if (!v.is_null()) out[k] = withoutNulls(v);
        }
        return out;
    }
    if (j.is_array()) {
        for (auto& v : j) v = withoutNulls(v);
    }
    return j;
}

std::string errorOf(std::string_view body) {
    try {
        decodeKubernetesProtobuf(body);
    } catch (const ProtobufError& e) {
        return e.what();
    }
    return "<no error>";
}

// ---------------------------------------------------------------------------------------------
// Captured vectors
// ---------------------------------------------------------------------------------------------

struct Vector {
    const char* command;
    const char* protobufHex;  // body of kubectl 1.33 (and 1.32)
    const char* json131;      // body of kubectl 1.31 for the same command
};

// Captured on this machine with a throwaway HTTP server on 127.0.0.1 that logged request bodies,
// running `/usr/lib/google-cloud-sdk/bin/kubectl.<1.33|1.32|1.31> --kubeconfig <it>
// <command> --validate=false` in namespace "default". file.bin holds "bin\0\xff\xfeary\n" and
// file.txt holds "hello=world\nx: 1\n".
const Vector kVectors[] = {
    {"kubectl create namespace team-a",
     "6b3873000a0f0a02763112094e616d657370616365121e0a160a067465616d2d6112001a0022002a00320038"
     "00420012001a020a001a002200",
     R"({"kind":"Namespace","apiVersion":"v1","metadata":{"name":"team-a","creationTimestamp":nu)"
     R"(ll},"spec":{},"status":{}})"},
    {"kubectl create namespace saved --save-config",
     "6b3873000a0f0a02763112094e616d65737061636512c7010abe010a05736176656412001a0022002a003200"
     "3800420062a6010a306b75626563746c2e6b756265726e657465732e696f2f6c6173742d6170706c6965642d"
     "636f6e66696775726174696f6e12727b226b696e64223a224e616d657370616365222c226170695665727369"
     "6f6e223a227631222c226d65746164617461223a7b226e616d65223a227361766564222c226372656174696f"
     "6e54696d657374616d70223a6e756c6c7d2c2273706563223a7b7d2c22737461747573223a7b7d7d0a12001a"
     "020a001a002200",
     R"({"kind":"Namespace","apiVersion":"v1","metadata":{"name":"saved","creationTimestamp":nul)"
     R"(l,"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"kind\":\"Namespa)"
     R"(ce\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"saved\",\"creationTimestamp\":null},)"
     R"(\"spec\":{},\"status\":{}}\n"}},"spec":{},"status":{}})"},
    {"kubectl create secret generic s1 --from-literal=a=b",
     "6b3873000a0c0a0276311206536563726574121e0a120a02733112001a0022002a0032003800420012060a01"
     "611201621a001a002200",
     R"({"kind":"Secret","apiVersion":"v1","metadata":{"name":"s1","creationTimestamp":null},"da)"
     R"(ta":{"a":"Yg=="}})"},
    {"kubectl create secret generic s2 --from-literal=user=admin --from-literal=pass=p@ss "
     "--from-file=cfg=file.bin --from-file=file.txt --type=kubernetes.io/basic-auth",
     "6b3873000a0c0a0276311206536563726574127d0a120a02733212001a0022002a0032003800420012110a03"
     "636667120a62696e00fffe6172790a121d0a0866696c652e747874121168656c6c6f3d776f726c640a783a20"
     "310a120c0a0470617373120470407373120d0a0475736572120561646d696e1a186b756265726e657465732e"
     "696f2f62617369632d617574681a002200",
     R"({"kind":"Secret","apiVersion":"v1","metadata":{"name":"s2","creationTimestamp":null},"da)"
     R"(ta":{"cfg":"YmluAP/+YXJ5Cg==","file.txt":"aGVsbG89d29ybGQKeDogMQo=","pass":"cEBzcw==","u)"
     R"(ser":"YWRtaW4="},"type":"kubernetes.io/basic-auth"})"},
    {"kubectl create secret docker-registry reg1 --docker-server=r.example.com --docker-username=u "
     "--docker-password=p",
     "6b3873000a0c0a02763112065365637265741296010a140a047265673112001a0022002a0032003800420012"
     "5e0a112e646f636b6572636f6e6669676a736f6e12497b226175746873223a7b22722e6578616d706c652e63"
     "6f6d223a7b22757365726e616d65223a2275222c2270617373776f7264223a2270222c2261757468223a2264"
     "547077227d7d7d1a1e6b756265726e657465732e696f2f646f636b6572636f6e6669676a736f6e1a002200",
     R"({"kind":"Secret","apiVersion":"v1","metadata":{"name":"reg1","creationTimestamp":null},")"
     R"(data":{".dockerconfigjson":"eyJhdXRocyI6eyJyLmV4YW1wbGUuY29tIjp7InVzZXJuYW1lIjoidSIsInBh)"
     R"(c3N3b3JkIjoicCIsImF1dGgiOiJkVHB3In19fQ=="},"type":"kubernetes.io/dockerconfigjson"})"},
    {"kubectl create configmap cm1 --from-literal=k1=v1 --from-literal=k2=v2 "
     "--from-file=bin=file.bin --from-file=file.txt",
     "6b3873000a0f0a0276311209436f6e6669674d6170125b0a130a03636d3112001a0022002a00320038004200"
     "121d0a0866696c652e747874121168656c6c6f3d776f726c640a783a20310a12080a026b311202763112080a"
     "026b32120276321a110a0362696e120a62696e00fffe6172790a1a002200",
     R"({"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cm1","creationTimestamp":null})"
     R"(,"data":{"file.txt":"hello=world\nx: 1\n","k1":"v1","k2":"v2"},"binaryData":{"bin":"Ymlu)"
     R"(AP/+YXJ5Cg=="}})"},
    {"kubectl create serviceaccount sa1",
     "6b3873000a140a027631120e536572766963654163636f756e7412150a130a0373613112001a0022002a0032"
     "00380042001a002200",
     R"({"kind":"ServiceAccount","apiVersion":"v1","metadata":{"name":"sa1","creationTimestamp":)"
     R"(null}})"},
    {"kubectl create deployment web --image=nginx --port=80 --replicas=2",
     "6b3873000a150a07617070732f7631120a4465706c6f796d656e7412b8010a1f0a0377656212001a0022002a"
     "003200380042005a0a0a0361707012037765621286010802120c0a0a0a0361707012037765621a6c0a1c0a00"
     "12001a0022002a003200380042005a0a0a036170701203776562124c122e0a056e67696e7812056e67696e78"
     "2a00320a0a001000185022002a0042006a007200800100880100900100a201001a00320042004a0052005800"
     "600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200",
     R"({"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","creationTimestamp")"
     R"(:null,"labels":{"app":"web"}},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web)"
     R"("}},"template":{"metadata":{"creationTimestamp":null,"labels":{"app":"web"}},"spec":{"co)"
     R"(ntainers":[{"name":"nginx","image":"nginx","ports":[{"containerPort":80}],"resources":{})"
     R"(}]}},"strategy":{}},"status":{}})"},
    {"kubectl create deployment multi --image=nginx --image=busybox:1.36",
     "6b3873000a150a07617070732f7631120a4465706c6f796d656e7412e2010a230a056d756c746912001a0022"
     "002a003200380042005a0c0a0361707012056d756c746912ac010801120e0a0c0a0361707012056d756c7469"
     "1a8f010a1e0a0012001a0022002a003200380042005a0c0a0361707012056d756c7469126d12220a056e6769"
     "6e7812056e67696e782a0042006a007200800100880100900100a20100122b0a0762757379626f78120c6275"
     "7379626f783a312e33362a0042006a007200800100880100900100a201001a00320042004a00520058006000"
     "68008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200",
     R"({"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"multi","creationTimestam)"
     R"(p":null,"labels":{"app":"multi"}},"spec":{"replicas":1,"selector":{"matchLabels":{"app":)"
     R"("multi"}},"template":{"metadata":{"creationTimestamp":null,"labels":{"app":"multi"}},"sp)"
     R"(ec":{"containers":[{"name":"nginx","image":"nginx","resources":{}},{"name":"busybox","im)"
     R"(age":"busybox:1.36","resources":{}}]}},"strategy":{}},"status":{}})"},
    {"kubectl create deployment cmdd --image=busybox -- sleep 3600",
     "6b3873000a150a07617070732f7631120a4465706c6f796d656e7412c1010a210a04636d646412001a002200"
     "2a003200380042005a0b0a036170701204636d6464128d010801120d0a0b0a036170701204636d64641a720a"
     "1d0a0012001a0022002a003200380042005a0b0a036170701204636d6464125112330a0762757379626f7812"
     "0762757379626f781a05736c6565701a04333630302a0042006a007200800100880100900100a201001a0032"
     "0042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c080010001800200028"
     "0038001a002200",
     R"({"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"cmdd","creationTimestamp)"
     R"(":null,"labels":{"app":"cmdd"}},"spec":{"replicas":1,"selector":{"matchLabels":{"app":"c)"
     R"(mdd"}},"template":{"metadata":{"creationTimestamp":null,"labels":{"app":"cmdd"}},"spec":)"
     R"({"containers":[{"name":"busybox","image":"busybox","command":["sleep","3600"],"resources)"
     R"(":{}}]}},"strategy":{}},"status":{}})"},
    {"kubectl create service clusterip svc1 --tcp=80:8080",
     "6b3873000a0d0a027631120753657276696365126c0a210a047376633112001a0022002a003200380042005a"
     "0b0a0361707012047376633112430a1b0a0738302d38303830120354435018502207080010903f1a00280012"
     "0b0a036170701204737663311a002209436c757374657249503a00420052005a00600068001a020a001a0022"
     "00",
     R"({"kind":"Service","apiVersion":"v1","metadata":{"name":"svc1","creationTimestamp":null,")"
     R"(labels":{"app":"svc1"}},"spec":{"ports":[{"name":"80-8080","protocol":"TCP","port":80,"t)"
     R"(argetPort":8080}],"selector":{"app":"svc1"},"type":"ClusterIP"},"status":{"loadBalancer")"
     R"(:{}}})"},
    {"kubectl create service clusterip headless --clusterip=None",
     "6b3873000a0d0a027631120753657276696365125f0a290a08686561646c65737312001a0022002a00320038"
     "0042005a0f0a036170701208686561646c657373122e120f0a036170701208686561646c6573731a044e6f6e"
     "652209436c757374657249503a00420052005a00600068001a020a001a002200",
     R"({"kind":"Service","apiVersion":"v1","metadata":{"name":"headless","creationTimestamp":nu)"
     R"(ll,"labels":{"app":"headless"}},"spec":{"selector":{"app":"headless"},"clusterIP":"None")"
     R"(,"type":"ClusterIP"},"status":{"loadBalancer":{}}})"},
    {"kubectl create service nodeport np1 --tcp=80:8080 --node-port=30080",
     "6b3873000a0d0a027631120753657276696365126a0a1f0a036e703112001a0022002a003200380042005a0a"
     "0a0361707012036e703112430a1d0a0738302d38303830120354435018502207080010903f1a002880eb0112"
     "0a0a0361707012036e70311a0022084e6f6465506f72743a00420052005a00600068001a020a001a002200",
     R"({"kind":"Service","apiVersion":"v1","metadata":{"name":"np1","creationTimestamp":null,"l)"
     R"(abels":{"app":"np1"}},"spec":{"ports":[{"name":"80-8080","protocol":"TCP","port":80,"tar)"
     R"(getPort":8080,"nodePort":30080}],"selector":{"app":"np1"},"type":"NodePort"},"status":{")"
     R"(loadBalancer":{}}})"},
    {"kubectl create service loadbalancer lb1 --tcp=443:https",
     "6b3873000a0d0a02763112075365727669636512730a1f0a036c623112001a0022002a003200380042005a0a"
     "0a0361707012036c6231124c0a220a093434332d6874747073120354435018bb03220b080110001a05687474"
     "70732800120a0a0361707012036c62311a00220c4c6f616442616c616e6365723a00420052005a0060006800"
     "1a020a001a002200",
     R"({"kind":"Service","apiVersion":"v1","metadata":{"name":"lb1","creationTimestamp":null,"l)"
     R"(abels":{"app":"lb1"}},"spec":{"ports":[{"name":"443-https","protocol":"TCP","port":443,")"
     R"(targetPort":"https"}],"selector":{"app":"lb1"},"type":"LoadBalancer"},"status":{"loadBal)"
     R"(ancer":{}}})"},
    {"kubectl create service externalname ext1 --external-name=example.com",
     "6b3873000a0d0a027631120753657276696365125d0a210a046578743112001a0022002a003200380042005a"
     "0b0a036170701204657874311234120b0a036170701204657874311a00220c45787465726e616c4e616d653a"
     "004200520b6578616d706c652e636f6d5a00600068001a020a001a002200",
     R"({"kind":"Service","apiVersion":"v1","metadata":{"name":"ext1","creationTimestamp":null,")"
     R"(labels":{"app":"ext1"}},"spec":{"selector":{"app":"ext1"},"type":"ExternalName","externa)"
     R"(lName":"example.com"},"status":{"loadBalancer":{}}})"},
    {"kubectl create job j1 --image=busybox -- echo hi",
     "6b3873000a0f0a0862617463682f763112034a6f621284010a120a026a3112001a0022002a00320038004200"
     "126432620a100a0012001a0022002a00320038004200124e122b0a026a31120762757379626f781a04656368"
     "6f1a0268692a0042006a007200800100880100900100a201001a054e65766572320042004a00520058006000"
     "68008201008a01009a0100c201001a082000280030003a001a002200",
     R"({"kind":"Job","apiVersion":"batch/v1","metadata":{"name":"j1","creationTimestamp":null},)"
     R"("spec":{"template":{"metadata":{"creationTimestamp":null},"spec":{"containers":[{"name":)"
     R"("j1","image":"busybox","command":["echo","hi"],"resources":{}}],"restartPolicy":"Never"})"
     R"(}},"status":{}})"},
    {"kubectl create cronjob cj1 --image=busybox --schedule='*/5 * * * *'",
     "6b3873000a130a0862617463682f7631120743726f6e4a6f6212a1010a130a03636a3112001a0022002a0032"
     "00380042001287010a0b2a2f35202a202a202a202a1a002a760a130a03636a3112001a0022002a0032003800"
     "4200125f325d0a100a0012001a0022002a00320038004200124912220a03636a31120762757379626f782a00"
     "42006a007200800100880100900100a201001a094f6e4661696c757265320042004a00520058006000680082"
     "01008a01009a0100c201001a001a002200",
     R"({"kind":"CronJob","apiVersion":"batch/v1","metadata":{"name":"cj1","creationTimestamp":n)"
     R"(ull},"spec":{"schedule":"*/5 * * * *","jobTemplate":{"metadata":{"name":"cj1","creationT)"
     R"(imestamp":null},"spec":{"template":{"metadata":{"creationTimestamp":null},"spec":{"conta)"
     R"(iners":[{"name":"cj1","image":"busybox","resources":{}}],"restartPolicy":"OnFailure"}}}})"
     R"(},"status":{}})"},
    {"kubectl create role r1 --verb=get,list --resource=pods,deployments.apps",
     "6b3873000a240a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f76311204526f6c651249"
     "0a120a02723112001a0022002a0032003800420012130a036765740a046c69737412001a04706f6473121e0a"
     "036765740a046c6973741204617070731a0b6465706c6f796d656e74731a002200",
     R"({"kind":"Role","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"r1","crea)"
     R"(tionTimestamp":null},"rules":[{"verbs":["get","list"],"apiGroups":[""],"resources":["pod)"
     R"(s"]},{"verbs":["get","list"],"apiGroups":["apps"],"resources":["deployments"]}]})"},
    {"kubectl create rolebinding rb1 --role=r1 --user=bob --serviceaccount=default:sa1",
     "6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b526f6c654269"
     "6e64696e671288010a130a0372623112001a0022002a0032003800420012280a04557365721219726261632e"
     "617574686f72697a6174696f6e2e6b38732e696f1a03626f62220012200a0e536572766963654163636f756e"
     "7412001a03736131220764656661756c741a250a19726261632e617574686f72697a6174696f6e2e6b38732e"
     "696f1204526f6c651a0272311a002200",
     R"({"kind":"RoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"rb)"
     R"(1","creationTimestamp":null},"subjects":[{"kind":"User","apiGroup":"rbac.authorization.k)"
     R"(8s.io","name":"bob"},{"kind":"ServiceAccount","name":"sa1","namespace":"default"}],"role)"
     R"(Ref":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"r1"}})"},
    {"kubectl create clusterrole cr1 --verb=get --resource=pods",
     "6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b436c75737465"
     "72526f6c6512240a130a0363723112001a0022002a00320038004200120d0a0367657412001a04706f64731a"
     "002200",
     R"({"kind":"ClusterRole","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"cr)"
     R"(1","creationTimestamp":null},"rules":[{"verbs":["get"],"apiGroups":[""],"resources":["po)"
     R"(ds"]}]})"},
    {"kubectl create clusterrolebinding crb1 --clusterrole=cr1 --group=devs",
     "6b3873000a320a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f76311212436c75737465"
     "72526f6c6542696e64696e6712710a140a046372623112001a0022002a00320038004200122a0a0547726f75"
     "701219726261632e617574686f72697a6174696f6e2e6b38732e696f1a046465767322001a2d0a1972626163"
     "2e617574686f72697a6174696f6e2e6b38732e696f120b436c7573746572526f6c651a036372311a002200",
     R"({"kind":"ClusterRoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"na)"
     R"(me":"crb1","creationTimestamp":null},"subjects":[{"kind":"Group","apiGroup":"rbac.author)"
     R"(ization.k8s.io","name":"devs"}],"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind")"
     R"(:"ClusterRole","name":"cr1"}})"},
    {"kubectl create quota q1 --hard=pods=2,requests.cpu=500m",
     "6b3873000a130a027631120d5265736f7572636551756f7461123d0a120a02713112001a0022002a00320038"
     "00420012250a0b0a04706f647312030a01320a160a0c72657175657374732e63707512060a043530306d1a00"
     "1a002200",
     R"({"kind":"ResourceQuota","apiVersion":"v1","metadata":{"name":"q1","creationTimestamp":nu)"
     R"(ll},"spec":{"hard":{"pods":"2","requests.cpu":"500m"}},"status":{}})"},
    {"kubectl create pdb pdb1 --selector=app=x --min-available=50%",
     "6b3873000a200a09706f6c6963792f76311213506f6444697372757074696f6e427564676574123b0a140a04"
     "7064623112001a0022002a0032003800420012170a09080110001a03353025120a0a080a036170701201781a"
     "0a080018002000280030001a002200",
     R"({"kind":"PodDisruptionBudget","apiVersion":"policy/v1","metadata":{"name":"pdb1","creati)"
     R"(onTimestamp":null},"spec":{"minAvailable":"50%","selector":{"matchLabels":{"app":"x"}}},)"
     R"("status":{"disruptionsAllowed":0,"currentHealthy":0,"desiredHealthy":0,"expectedPods":0})"
     R"(})"},
    {"kubectl create priorityclass pc1 --value=1000 --description=hi",
     "6b3873000a250a147363686564756c696e672e6b38732e696f2f7631120d5072696f72697479436c61737312"
     "340a130a0370633112001a0022002a0032003800420010e8071800220268692a14507265656d70744c6f7765"
     "725072696f726974791a002200",
     R"({"kind":"PriorityClass","apiVersion":"scheduling.k8s.io/v1","metadata":{"name":"pc1","cr)"
     R"(eationTimestamp":null},"value":1000,"description":"hi","preemptionPolicy":"PreemptLowerP)"
     R"(riority"})"},
    {"kubectl create ingress ing1 --rule=foo.com/bar=svc1:8080",
     "6b3873000a1f0a146e6574776f726b696e672e6b38732e696f2f76311207496e6772657373124b0a140a0469"
     "6e673112001a0022002a00320038004200122f1a2d0a07666f6f2e636f6d12220a200a1e0a042f626172120f"
     "220d0a047376633112050a0010903f1a0545786163741a020a001a002200",
     R"({"kind":"Ingress","apiVersion":"networking.k8s.io/v1","metadata":{"name":"ing1","creatio)"
     R"(nTimestamp":null},"spec":{"rules":[{"host":"foo.com","http":{"paths":[{"path":"/bar","pa)"
     R"(thType":"Exact","backend":{"service":{"name":"svc1","port":{"number":8080}}}}]}}]},"stat)"
     R"(us":{"loadBalancer":{}}})"},
};

void PrintTo(const Vector& v, std::ostream* os) {
    *os << v.command;
}

class CapturedVectorTest : public testing::TestWithParam<Vector> {};

TEST_P(CapturedVectorTest, DecodesToWhatKubectl131Sent) {
    const Vector& v = GetParam();
    std::string body = fromHex(v.protobufHex);
    ASSERT_TRUE(isKubernetesProtobuf(body));
    json decoded = decodeKubernetesProtobuf(body);
    EXPECT_EQ(decoded, withoutNulls(json::parse(v.json131))) << decoded.dump();
}

// Every prefix and many single-byte corruptions of real bodies: the decoder either succeeds with
// dumpable JSON or throws ProtobufError; never anything else (ASan/UBSan watch memory safety).
TEST_P(CapturedVectorTest, TruncatedOrCorruptedBodiesFailCleanly) {
    std::string body = fromHex(GetParam().protobufHex);
    auto check = [](const std::string& input) {
        try {
            (void)decodeKubernetesProtobuf(input).dump();
        } catch (const ProtobufError&) {
        }
    };
    for (size_t len = 0; len < body.size(); ++len) check(body.substr(0, len));
    std::mt19937 rng(42);
    for (int i = 0; i < 300; ++i) {
        std::string corrupt = body;
        corrupt[4 + rng() % (corrupt.size() - 4)] = static_cast<char>(rng());
        check(corrupt);
    }
}

// "kubectl create secret generic s1 ..." -> "create_secret_2"
std::string vectorName(const testing::TestParamInfo<Vector>& info) {
    std::istringstream words(info.param.command);
    std::string word, name;
    words >> word;  // "kubectl"
    for (int i = 0; i < 2 && words >> word; ++i) {
        for (char c : word) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
        name += '_';
    }
    return name + std::to_string(info.index);
}

INSTANTIATE_TEST_SUITE_P(Kubectl133, CapturedVectorTest, testing::ValuesIn(kVectors), vectorName);

// ---------------------------------------------------------------------------------------------
// Hand-built inputs
// ---------------------------------------------------------------------------------------------

TEST(ProtobufDecodeTest, MeasuredNamespaceBody) {
    Pb object = Pb().msg(1, meta("team-a"))    // metadata
                    .msg(2, Pb())              // spec{}
                    .msg(3, Pb().str(1, ""));  // status{phase: ""}
    std::string body = envelope("v1", "Namespace", object);
    EXPECT_EQ(body, fromHex("6b3873000a0f0a02763112094e616d657370616365121e0a160a067465616d2d61"
                            "12001a0022002a0032003800420012001a020a001a002200"));
    EXPECT_EQ(decodeKubernetesProtobuf(body), json::parse(R"({
        "apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": "team-a"}, "spec": {}, "status": {}})"));
}

TEST(ProtobufDecodeTest, SecretDataIsBase64AndEmptyTypeIsOmitted) {
    Pb object = Pb().msg(1, meta("s1")).entry(2, "a", "b").str(3, "");
    EXPECT_EQ(decodeKubernetesProtobuf(envelope("v1", "Secret", object)), json::parse(R"({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "s1"}, "data": {"a": "Yg=="}})"));
}

TEST(ProtobufDecodeTest, SecretStringDataTypeImmutableAndBinaryValues) {
    Pb object = Pb().msg(1, meta("s2"))
                    .entry(2, "bin", std::string("\x00\xff\x01", 3))
                    .entry(2, "empty", "")
                    .msg(2, Pb().str(1, "nokey-value-missing"))  // entry without value
                    .str(3, "kubernetes.io/basic-auth")
                    .entry(4, "user", "admin")
                    .varint(5, 1);
    EXPECT_EQ(decodeKubernetesProtobuf(envelope("v1", "Secret", object)), json::parse(R"({
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s2"},
        "data": {"bin": "AP8B", "empty": "", "nokey-value-missing": ""},
        "type": "kubernetes.io/basic-auth", "stringData": {"user": "admin"}, "immutable": true})"));
}

TEST(ProtobufDecodeTest, ConfigMapDataBinaryDataAndExplicitFalseImmutable) {
    Pb object = Pb().msg(1, meta("cm1"))
                    .entry(2, "k1", "v1")
                    .entry(2, "file.txt", "hello=world\n")
                    .entry(3, "bin", "bin\x01")
                    .varint(4, 0);  // *bool set to false is still on the wire, and in the JSON
    EXPECT_EQ(decodeKubernetesProtobuf(envelope("v1", "ConfigMap", object)), json::parse(R"({
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm1"},
        "data": {"k1": "v1", "file.txt": "hello=world\n"}, "binaryData": {"bin": "YmluAQ=="},
        "immutable": false})"));
}

TEST(ProtobufDecodeTest, DeploymentWithContainersPortsReplicasSelectorAndStrategy) {
    Pb labels = Pb().entry(11, "app", "web");
    Pb container =
        Pb().str(1, "nginx")
            .str(2, "nginx:1.27")
            .str(3, "nginx")
            .str(3, "-g")
            .msg(6, Pb().str(1, "").varint(2, 0).varint(3, 80).str(4, "TCP"))
            .msg(6, Pb().str(1, "metrics").varint(3, 0))  // containerPort 0 is kept
            .msg(7, Pb().str(1, "MODE").str(2, "prod"))
            .msg(8, Pb().entry(1, "cpu", "").msg(2, Pb().str(1, "cpu").msg(2, Pb().str(1, "250m"))))
            .str(13, "")
            .varint(16, 0);
    Pb spec = Pb().varint(1, 2)
                  .msg(2, Pb().entry(1, "app", "web"))
                  .msg(3, Pb().msg(1, Pb().str(1, "").msg(8, Pb()).append(labels.bytes()))
                              .msg(2, Pb().msg(2, container).str(3, "Always").varint(11, 0)))
                  .msg(4, Pb().str(1, "RollingUpdate")
                              .msg(2, Pb().msg(1, Pb().varint(1, 0).varint(2, 1))
                                          .msg(2, Pb().varint(1, 1).str(3, "25%"))))
                  .varint(5, 0);
    Pb object = Pb().msg(1, meta("web").append(labels.bytes())).msg(2, spec).msg(3, Pb());
    EXPECT_EQ(decodeKubernetesProtobuf(envelope("apps/v1", "Deployment", object)), json::parse(R"({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [{
                        "name": "nginx", "image": "nginx:1.27", "command": ["nginx", "-g"],
                        "ports": [{"containerPort": 80, "protocol": "TCP"},
                                  {"name": "metrics", "containerPort": 0}],
                        "env": [{"name": "MODE", "value": "prod"}],
                        "resources": {"limits": {"cpu": "0"}, "requests": {"cpu": "250m"}}
                    }],
                    "restartPolicy": "Always"
                }
            },
            "strategy": {"type": "RollingUpdate",
                         "rollingUpdate": {"maxUnavailable": 1, "maxSurge": "25%"}}
        },
        "status": {}})"));
}

TEST(ProtobufDecodeTest, ScalarEdgeCases) {
    // 2023-11-14T22:13:20Z; nanos are dropped like metav1.Time's JSON does.
    Pb created = Pb().varint(1, 1700000000).varint(2, 5);
    Pb securityContext = Pb().varint(2, 0)                       // runAsUser 0 (pointer): kept
                             .varint(4, 1000)                    // supplementalGroups, unpacked
                             .msg(4, Pb().raw(2000).raw(3000));  // and packed
    Pb podSpec =
        Pb().msg(2, Pb().str(1, "c"))
            .varint(4, static_cast<uint64_t>(int64_t{-1}))   // int64 pointer, negative
            .varint(25, static_cast<uint64_t>(int64_t{-5}))  // int32 is sign-extended
            .msg(14, securityContext)
            .msg(1, Pb().str(1, "cfg").msg(2, Pb().msg(19, Pb().msg(1, Pb().str(1, "cm")))))
            .str(3, "Never")
            .str(3, "");  // a later value wins, and empty is then omitted
    Pb object = Pb().msg(1, meta("p").msg(8, created).varint(7, 3))  // later generation wins
                    .msg(2, podSpec)
                    .varint(99, 7)  // unknown fields of every wire type are skipped
                    .str(98, "x")
                    .key(97, 1)
                    .append(std::string(8, '\0'))
                    .key(96, 5)
                    .append(std::string(4, '\0'));
    EXPECT_EQ(decodeKubernetesProtobuf(envelope("v1", "Pod", object)), json::parse(R"({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p", "creationTimestamp": "2023-11-14T22:13:20Z", "generation": 3},
        "spec": {
            "containers": [{"name": "c"}],
            "terminationGracePeriodSeconds": -1,
            "priority": -5,
            "securityContext": {"runAsUser": 0, "supplementalGroups": [1000, 2000, 3000]},
            "volumes": [{"name": "cfg", "configMap": {"name": "cm"}}]
        }})"));
}

TEST(ProtobufDecodeTest, ServiceWithIntAndNamedTargetPorts) {
    Pb spec =
        Pb().msg(1, Pb().str(1, "http").str(2, "TCP").varint(3, 80).msg(
                        4, Pb().varint(1, 0).varint(2, 8080).str(3, "")))
            .msg(1, Pb().str(1, "https").varint(3, 443).msg(4, Pb().varint(1, 1).str(3, "web")))
            .entry(2, "app", "web")
            .str(4, "NodePort");
    Pb object = Pb().msg(1, meta("svc")).msg(2, spec).msg(3, Pb().msg(1, Pb()));
    EXPECT_EQ(decodeKubernetesProtobuf(envelope("v1", "Service", object)), json::parse(R"({
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc"},
        "spec": {"ports": [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080},
                           {"name": "https", "port": 443, "targetPort": "web"}],
                 "selector": {"app": "web"}, "type": "NodePort"},
        "status": {"loadBalancer": {}}})"));
}

TEST(ProtobufDecodeTest, EveryKnownKindDecodesAnEmptyObject) {
    const std::pair<const char*, const char*> kinds[] = {
        {"v1", "Namespace"},
        {"v1", "Secret"},
        {"v1", "ConfigMap"},
        {"v1", "ServiceAccount"},
        {"v1", "Service"},
        {"v1", "Pod"},
        {"v1", "ResourceQuota"},
        {"apps/v1", "Deployment"},
        {"batch/v1", "Job"},
        {"batch/v1", "CronJob"},
        {"rbac.authorization.k8s.io/v1", "Role"},
        {"rbac.authorization.k8s.io/v1", "ClusterRole"},
        {"rbac.authorization.k8s.io/v1", "RoleBinding"},
        {"rbac.authorization.k8s.io/v1", "ClusterRoleBinding"},
        {"policy/v1", "PodDisruptionBudget"},
        {"scheduling.k8s.io/v1", "PriorityClass"},
        {"networking.k8s.io/v1", "Ingress"},
    };
    for (auto [apiVersion, kind] : kinds) {
        EXPECT_EQ(decodeKubernetesProtobuf(envelope(apiVersion, kind, Pb())),
                  json({{"apiVersion", apiVersion}, {"kind", kind}}));
    }
}

TEST(ProtobufDecodeTest, DetectsMagic) {
    EXPECT_TRUE(isKubernetesProtobuf(kMagic));
    EXPECT_TRUE(isKubernetesProtobuf(envelope("v1", "Namespace", Pb())));
    EXPECT_FALSE(isKubernetesProtobuf(""));
    EXPECT_FALSE(isKubernetesProtobuf("k8s"));
    EXPECT_FALSE(isKubernetesProtobuf(R"({"kind":"Namespace"})"));
    EXPECT_FALSE(isKubernetesProtobuf(std::string("k8s\1", 4)));
}

// ---------------------------------------------------------------------------------------------
// Malformed input
// ---------------------------------------------------------------------------------------------

TEST(ProtobufDecodeTest, RejectsBadMagic) {
    EXPECT_NE(errorOf("").find("k8s"), std::string::npos);
    EXPECT_NE(errorOf(R"({"kind":"Namespace","apiVersion":"v1"})").find("k8s"), std::string::npos);
    std::string body = envelope("v1", "Namespace", Pb());
    body[3] = 'x';
    EXPECT_NE(errorOf(body), "<no error>");
}

TEST(ProtobufDecodeTest, RejectsTruncatedVarint) {
    EXPECT_NE(errorOf(kMagic + "\x0a\x80").find("truncated varint"), std::string::npos);
    // A truncated varint deep inside the object names where it happened.
    std::string body = envelope("v1", "Secret", Pb().msg(1, Pb().key(7, 0).append("\xff")));
    std::string err = errorOf(body);
    EXPECT_NE(err.find("truncated varint"), std::string::npos) << err;
    EXPECT_NE(err.find("Secret.metadata.generation"), std::string::npos) << err;
}

TEST(ProtobufDecodeTest, RejectsVarintLongerThanTenBytes) {
    EXPECT_NE(errorOf(kMagic + std::string(11, '\xff')).find("longer than 10 bytes"),
              std::string::npos);
}

TEST(ProtobufDecodeTest, RejectsLengthPastEnd) {
    std::string err = errorOf(kMagic + Pb().key(2, 2).raw(50).append("abc").bytes());
    EXPECT_NE(err.find("runs past the end"), std::string::npos) << err;

    Pb badMeta = Pb().key(1, 2).raw(10).append("short");  // name claims 10 bytes, has 5
    err = errorOf(envelope("v1", "ConfigMap", Pb().msg(1, badMeta)));
    EXPECT_NE(err.find("runs past the end"), std::string::npos) << err;
    EXPECT_NE(err.find("ConfigMap.metadata.name"), std::string::npos) << err;

    // A huge length must not wrap around the bounds check.
    err = errorOf(kMagic + Pb().key(2, 2).raw(~uint64_t{0}).bytes());
    EXPECT_NE(err.find("runs past the end"), std::string::npos) << err;
}

TEST(ProtobufDecodeTest, RejectsUnknownKindNamingIt) {
    try {
        decodeKubernetesProtobuf(envelope("apps/v1", "StatefulSet", Pb().msg(1, meta("db"))));
        FAIL() << "expected ProtobufUnsupportedKindError";
    } catch (const ProtobufUnsupportedKindError& e) {
        EXPECT_EQ(e.apiVersion, "apps/v1");
        EXPECT_EQ(e.kind, "StatefulSet");
        EXPECT_NE(std::string(e.what()).find("apps/v1, Kind=StatefulSet"), std::string::npos);
    }
    // Known kind under another version is unknown too.
    EXPECT_THROW(decodeKubernetesProtobuf(envelope("apps/v1beta1", "Deployment", Pb())),
                 ProtobufUnsupportedKindError);
}

TEST(ProtobufDecodeTest, RejectsMissingTypeMeta) {
    EXPECT_NE(errorOf(kMagic).find("apiVersion and kind are required"), std::string::npos);
    EXPECT_NE(errorOf(kMagic + Pb().msg(1, Pb().str(1, "v1")).bytes()).find("required"),
              std::string::npos);
}

TEST(ProtobufDecodeTest, RejectsWrongWireTypes) {
    // metadata sent as a varint
    std::string err = errorOf(envelope("v1", "Namespace", Pb().varint(1, 5)));
    EXPECT_NE(err.find("expected length-delimited"), std::string::npos) << err;
    // replicas sent as a string
    err = errorOf(envelope("apps/v1", "Deployment", Pb().msg(2, Pb().str(1, "2"))));
    EXPECT_NE(err.find("expected varint"), std::string::npos) << err;
    EXPECT_NE(err.find("Deployment.spec.replicas"), std::string::npos) << err;
    // groups (wire types 3/4) are not used by Kubernetes
    err = errorOf(envelope("v1", "Namespace", Pb().key(5, 3)));
    EXPECT_NE(err.find("unsupported wire type 3"), std::string::npos) << err;
    // field number 0 is invalid
    err = errorOf(envelope("v1", "Namespace", Pb().raw(0).raw(0)));
    EXPECT_NE(err.find("invalid field number 0"), std::string::npos) << err;
}

TEST(ProtobufDecodeTest, RejectsInvalidUtf8AndContentEncoding) {
    std::string err = errorOf(envelope("v1", "ConfigMap", Pb().entry(2, "k", "\xc3\x28")));
    EXPECT_NE(err.find("UTF-8"), std::string::npos) << err;
    EXPECT_NE(err.find("ConfigMap.data"), std::string::npos) << err;
    // overlong encoding and a lone surrogate
    EXPECT_NE(errorOf(envelope("v1", "Secret", Pb().str(3, "\xc0\xaf"))).find("UTF-8"),
              std::string::npos);
    EXPECT_NE(errorOf(envelope("v1", "Secret", Pb().str(3, "\xed\xa0\x80"))).find("UTF-8"),
              std::string::npos);
    // valid multi-byte UTF-8 passes through
    EXPECT_EQ(decodeKubernetesProtobuf(
                  envelope("v1", "Secret", Pb().str(3, "t\xc3\xa9st\xf0\x9f\x98\x80")))["type"],
              "t\xc3\xa9st\xf0\x9f\x98\x80");

    std::string gz =
        kMagic +
        Pb().msg(1, Pb().str(1, "v1").str(2, "Secret")).msg(2, Pb()).str(3, "gzip").bytes();
    EXPECT_NE(errorOf(gz).find("contentEncoding"), std::string::npos);
}

TEST(ProtobufDecodeTest, RejectsOutOfRangeTimestamp) {
    Pb m = Pb().msg(8, Pb().varint(1, static_cast<uint64_t>(int64_t{300000000000})));
    EXPECT_NE(errorOf(envelope("v1", "Namespace", Pb().msg(1, m))).find("outside years"),
              std::string::npos);
}

}  // namespace
}  // namespace mcpsim::apiserver
