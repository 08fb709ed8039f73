/**
 * The paraphrase templates: one list per frame ("INTENT/frame"), worded apart from every
 * training, validation and test template in `templates/`. They only ever make the paraphrase
 * evaluation set (`slm/data/paraphrase.jsonl`, about test-split entities), which measures how a
 * backend carries over to wording it was not built from.
 *
 * Kept in this file, away from the training templates, so that whoever writes training
 * templates never reads them: do not open this file to write templates, rules or training
 * recipes, or the paraphrase score stops being a blind one.
 */
export const PARAPHRASES: Readonly<Record<string, readonly string[]>> = {
  'HARDWARE_IDENTIFY/by-id': [
    'Could you figure out which piece of hardware reports itself as {id}?',
    "there's an unknown thing at {lspci} in the bus listing, any idea what it is",
    "hey, what's the gadget with vendor/device {id} called",
    'I keep seeing {id} in dmesg. What exactly is this component?',
    'Please resolve {id} to a product name.',
    'need the model name behind id {id}',
    'vendor {vidhex}, product {didhex}: which hardware would that be?',
  ],
  'HARDWARE_IDENTIFY/by-name': [
    'I found a {name} in an old box; what sort of component is that?',
    'No idea what a {name} is, can you explain the hardware?',
    'is {name} some kind of controller? what is it exactly',
    'which category of hardware does the {name} belong to',
  ],
  'HARDWARE_IDENTIFY/vendor': [
    'which company is behind the {vidhex} vendor code',
    "vendor {vid}: whose hardware is that?",
    'Can you tell me the manufacturer registered as {vid}?',
  ],
  'HARDWARE_IDENTIFY/class': [
    'lspci says class {codehex}; what category of device is that',
    'Explain the PCI class code {code} to me',
    'what does a class of {code} tell me about a device',
  ],
  'HARDWARE_IDENTIFY/inventory': [
    "I'd like to know every component plugged into this box",
    'could you take stock of the physical devices on this system?',
    "what's attached to the PCI bus right now",
  ],
  'DRIVER_SELECT/by-id': [
    "My machine has hardware {id} that isn't claimed by anything yet; what module should claim it?",
    'what should I modprobe so that {id} works',
    'which .ko file goes with {id}',
    'Tell me the kernel module that binds {lspci}',
    'so {id} needs which module exactly?',
    'For vendor {vidhex} product {didhex}, which kernel code should drive it?',
  ],
  'DRIVER_SELECT/by-name': [
    'I just put a {name} into my PC, which module makes it go?',
    "what's the proper kernel module for a {name}",
    'Recommend a driver for the {deviceShort} made by {vendorShort}',
    'the {name} needs a driver, which one',
    'Which piece of kernel code talks to the {name}?',
  ],
  'DRIVER_SELECT/class': [
    'For a generic {classDevice}, what module takes care of it?',
    'Any {classDevice}: which module claims those?',
  ],
  'INSTALL_CONFIGURE/os-install': [
    'Please lay down a new installation of the operating system onto {disk}',
    'could we get the OS installed to the drive {disk}?',
    '{disk} should become the system disk, start the setup there',
  ],
  'INSTALL_CONFIGURE/timezone': [
    'I moved to {place}; the clock should follow local time there',
    "Could you adjust the system's time zone so it matches {place}?",
    'clock is in the wrong zone, I want {zone}',
  ],
  'INSTALL_CONFIGURE/locale': [
    'Menus and messages should appear in {language} from now on',
    'could the interface language be {language} please',
    "I'd prefer everything localised as {locale}",
  ],
  'INSTALL_CONFIGURE/keyboard': [
    'The keyboard attached here is a {keyboard} one; please make the layout match',
    'Could typing use the {keyboard} arrangement of keys?',
    'apply the {keymap} layout to the console and desktop',
  ],
  'INSTALL_CONFIGURE/hostname': [
    'From now on this server should be known on the network as {host}',
    "Could you update the machine's name to {host}?",
  ],
  'INSTALL_CONFIGURE/dhcp': [
    '{iface} ought to obtain its address from the router automatically, set that up',
    'Please have interface {iface} lease an address via DHCP',
  ],
  'INSTALL_CONFIGURE/static-ip': [
    'I need {iface} pinned to {ip} rather than a dynamic address',
    'Could interface {iface} keep the permanent address {ip}?',
  ],
  'INSTALL_CONFIGURE/dns': [
    'Lookups of domain names should go through {dns} from now on',
    'could you make {dns} the resolver this machine asks?',
  ],
  'INSTALL_CONFIGURE/wifi': [
    "I'd like this laptop on the {ssid} wireless network",
    'Hook the machine up to the access point called {ssid}',
  ],
  'INSTALL_CONFIGURE/swap': [
    'The machine needs {size} of extra virtual memory on disk',
    'Could you provision a {size} paging file?',
  ],
  'INSTALL_CONFIGURE/mount': [
    'I want the contents of {part} to show up under {mountpoint}',
    'Could {mountpoint} be where {part} lives from now on?',
  ],
  'INSTALL_CONFIGURE/format': [
    'Put a fresh {fs} filesystem onto {part}',
    '{part} needs to be reformatted using {fs}',
  ],
  'INSTALL_CONFIGURE/firewall': [
    'Clients out there must be able to reach port {port} on this host',
    'please punch a hole for port {port}',
  ],
  'INSTALL_CONFIGURE/bootloader': [
    '{disk} should be able to start the system; put the boot code on it',
    'Could you place the boot manager onto {disk}?',
  ],
  'INSTALL_CONFIGURE/autologin': [
    "When the machine powers up it should go straight into {user}'s session",
  ],
  'INSTALL_CONFIGURE/timesync': [
    'Make sure the clock corrects itself from time servers',
  ],
  'APP_INSTALL/install': [
    "I'd love to have {app} available on this box",
    'Could you fetch {app} and make it runnable?',
    "{app} isn't here yet, grab it for me",
    'my workflow needs {app}; make it available',
    'would you mind adding {app} to the installed programs',
  ],
  'APP_INSTALL/remove': [
    'Take {app} off this computer',
    '{app} can go away, I never use it',
    'please clear out the {app} program',
  ],
  'APP_INSTALL/upgrade-one': [
    "I'd like the most recent release of {app}",
    'refresh {app} to its current version',
  ],
  'APP_INSTALL/upgrade-all': [
    'Every installed program should be moved to its latest release',
    'please patch all the software on this box',
  ],
  'APP_INSTALL/search': [
    'What options are there in the repository for a {kind}?',
    'Suggest some software that works as a {kind}',
  ],
  'APP_INSTALL/reinstall': [
    'Could you put a fresh copy of {app} back in place?',
  ],
  'APP_INSTALL/info': [
    'Is {app} already on this system, and which release?',
  ],
  'SYSTEM_MANAGE/service-restart': [
    'Give {service} a fresh restart',
    'could you cycle the {service} process',
  ],
  'SYSTEM_MANAGE/service-start': [
    'Get {service} running please',
  ],
  'SYSTEM_MANAGE/service-stop': [
    '{service} should not be running right now; halt it',
  ],
  'SYSTEM_MANAGE/service-status': [
    'Is the {service} up at the moment?',
  ],
  'SYSTEM_MANAGE/service-enable': [
    '{service} should come up by itself whenever the machine boots',
  ],
  'SYSTEM_MANAGE/service-disable': [
    'Keep {service} from launching on startup',
  ],
  'SYSTEM_MANAGE/user-add': [
    '{user} joined the team and needs an account on this server',
  ],
  'SYSTEM_MANAGE/user-delete': [
    '{user} left, close their account',
  ],
  'SYSTEM_MANAGE/user-passwd': [
    '{user} forgot the login secret, give them a new one',
  ],
  'SYSTEM_MANAGE/user-group': [
    '{user} should belong to {group} as well',
  ],
  'SYSTEM_MANAGE/process-list': [
    'Give me an overview of what tasks are active',
  ],
  'SYSTEM_MANAGE/process-kill': [
    'Make the {app} process exit right away',
  ],
  'SYSTEM_MANAGE/disk-usage': [
    'How much room remains on the drives?',
  ],
  'SYSTEM_MANAGE/memory-usage': [
    'What does RAM consumption look like at the moment?',
  ],
  'SYSTEM_MANAGE/uptime': [
    'since when has this box been running without a restart',
  ],
  'SYSTEM_MANAGE/reboot': [
    'Cycle this host through a clean restart',
  ],
  'SYSTEM_MANAGE/shutdown': [
    'Bring the whole box down for the night',
  ],
  'SYSTEM_MANAGE/logs': [
    'I want to read what {service} has been writing to its log',
  ],
  'TROUBLESHOOT/device': [
    'Ever since I booted today the {name} seems dead, nothing shows up',
    "Something's wrong with the {name}: it vanished from the system",
    "help! {name} acting up and I can't use it",
    "I'm getting errors from {id} and it does nothing",
    'The {category} ({name}) behaves strangely and drops out every few minutes',
  ],
  'TROUBLESHOOT/driver-fails': [
    'Loading {driver} for {id} blows up with an error message',
  ],
  'TROUBLESHOOT/no-network': [
    'Nothing loads in the browser and {iface} looks dead',
    "Packets aren't getting out through {iface}",
  ],
  'TROUBLESHOOT/wifi': [
    'The laptop refuses to stay on {ssid}',
  ],
  'TROUBLESHOOT/no-sound': [
    'Everything is silent, even though the volume is up',
  ],
  'TROUBLESHOOT/display': [
    'Only a blank screen shows up once the system starts',
  ],
  'TROUBLESHOOT/disk-full': [
    "Writes to {mountpoint} fail because there's no room left",
  ],
  'TROUBLESHOOT/service-fails': [
    "{service} dies right after launching and I don't know why",
  ],
  'TROUBLESHOOT/app-crash': [
    'Whenever I launch {app} it just vanishes',
    '{app} hangs and then the window disappears',
  ],
  'TROUBLESHOOT/slow': [
    "This machine crawls along even when I'm doing nothing",
  ],
  'TROUBLESHOOT/boot': [
    'Power-on gets nowhere; it never reaches the login',
  ],
  'TROUBLESHOOT/memory': [
    'Programs keep being terminated because RAM is exhausted',
  ],
  'TROUBLESHOOT/usb': [
    'Plugging in a flash drive does nothing at all',
  ],
  'TROUBLESHOOT/printer': [
    'Documents sent to the printer never come out',
  ],
  'TROUBLESHOOT/login': [
    'The account {user} is locked out and login keeps being refused',
  ],
};
