"""axe-core (npm, tests only) and how the accessibility tests run it: serious and critical
violations, each with its first three nodes."""

from tests.e2e.server import ROOT

AXE = (ROOT / "node_modules" / "axe-core" / "axe.min.js").read_bytes()

RUN = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help}; ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
}"""
