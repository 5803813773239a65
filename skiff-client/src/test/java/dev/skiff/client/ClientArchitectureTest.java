package dev.skiff.client;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The client's main code uses only core and the SDK among Skiff's modules: the backends are found
 * on the class path (as in skiff-cli's ArchitectureTest, which sees the client only when it is on
 * the CLI's class path).
 */
class ClientArchitectureTest {
  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.skiff.client");

  @Test
  void packagesHaveNoCycles() {
    slices().matching("dev.skiff.(**)").should().beFreeOfCycles().check(CLASSES);
  }

  @Test
  void clientUsesOnlyCoreAndSdk() {
    noClasses()
        .that()
        .resideInAPackage("dev.skiff.client..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.skiff.store..",
            "dev.skiff.artifacts..",
            "dev.skiff.local..",
            "dev.skiff.kubernetes..",
            "dev.skiff.images..",
            "dev.skiff.testing..",
            "dev.skiff.cli..")
        .check(CLASSES);
  }
}
