package dev.skiff.cli;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The allowed edges between Skiff's modules and between the packages of {@code skiff-core}
 * (DESIGN.md, "Modules"): any other edge, and any cycle between packages, fails the build. Reads
 * the compiled main classes of every module on this module's class path (all of them).
 */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.skiff");
  }

  /**
   * sdk ← core ← {store, artifacts, artifacts-s3, local, kubernetes, images, testing} ← cli; sdk ←
   * core ← client.
   */
  static ArchRule modules() {
    return layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("sdk")
        .definedBy("dev.skiff.sdk..")
        .layer("core")
        .definedBy("dev.skiff.core..")
        .layer("store")
        .definedBy("dev.skiff.store..")
        .layer("artifacts")
        .definedBy(
            resideInAPackage("dev.skiff.artifacts..")
                .and(not(resideInAPackage("dev.skiff.artifacts.s3.."))))
        .layer("artifacts-s3")
        .definedBy("dev.skiff.artifacts.s3..")
        .layer("local")
        .definedBy("dev.skiff.local..")
        .layer("kubernetes")
        .definedBy("dev.skiff.kubernetes..")
        .layer("images")
        .definedBy("dev.skiff.images..")
        .layer("testing")
        .definedBy("dev.skiff.testing..")
        // optional: the client's classes are seen only when skiff-client is on this class path
        .optionalLayer("client")
        .definedBy("dev.skiff.client..")
        .layer("cli")
        .definedBy("dev.skiff.cli..")
        .whereLayer("sdk")
        .mayNotAccessAnyLayer()
        .whereLayer("core")
        .mayOnlyAccessLayers("sdk")
        .whereLayer("store")
        .mayOnlyAccessLayers("core", "sdk")
        .whereLayer("artifacts")
        .mayOnlyAccessLayers("core", "sdk")
        .whereLayer("artifacts-s3")
        .mayOnlyAccessLayers("core", "sdk")
        .whereLayer("local")
        .mayOnlyAccessLayers("core", "sdk")
        .whereLayer("kubernetes")
        .mayOnlyAccessLayers("core", "sdk")
        .whereLayer("images")
        .mayOnlyAccessLayers("core", "sdk")
        .whereLayer("testing")
        .mayOnlyAccessLayers("core", "sdk")
        .whereLayer("client")
        .mayOnlyAccessLayers("core", "sdk")
        .whereLayer("cli")
        .mayOnlyAccessLayers(
            "core", "sdk", "store", "artifacts", "artifacts-s3", "local", "kubernetes", "images");
  }

  /** Inside core: internal ← {plan, stack} ← spi ← engine. */
  static ArchRule corePackages() {
    return layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("internal")
        .definedBy("dev.skiff.core.internal..")
        .layer("plan")
        .definedBy("dev.skiff.core.plan..")
        .layer("stack")
        .definedBy("dev.skiff.core.stack..")
        .layer("spi")
        .definedBy("dev.skiff.core.spi..")
        .layer("engine")
        .definedBy("dev.skiff.core.engine..")
        .whereLayer("internal")
        .mayNotAccessAnyLayer()
        .whereLayer("plan")
        .mayOnlyAccessLayers("internal")
        .whereLayer("stack")
        .mayOnlyAccessLayers("internal")
        .whereLayer("spi")
        .mayOnlyAccessLayers("internal", "plan", "stack")
        .whereLayer("engine")
        .mayOnlyAccessLayers("internal", "plan", "stack", "spi");
  }

  /** No cycle between any two packages, within a module or across modules. */
  static ArchRule noPackageCycles() {
    return slices().matching("dev.skiff.(**)").should().beFreeOfCycles();
  }

  @Test
  void modulesDependOnlyAlongTheAllowedEdges() {
    modules().check(classes);
  }

  @Test
  void corePackagesDependOnlyAlongTheAllowedEdges() {
    corePackages().check(classes);
  }

  @Test
  void packagesHaveNoCycles() {
    noPackageCycles().check(classes);
  }
}
